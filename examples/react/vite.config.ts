// `vite build` → dist/: index.html and hashed assets with relative URLs, so the folder works
// under any path of any static host (the demo site serves it at /examples/react/).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
});
