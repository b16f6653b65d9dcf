// `vite build` → dist/: index.html and hashed assets with relative URLs, so the folder works
// under any path of any static host (the demo site serves it at /examples/vue/).
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  base: './',
  plugins: [
    vue({
      template: {
        // <pkce-login> is a custom element, not a Vue component: Vue renders it as is, sets
        // the props the element has as properties (`messages`) and the others as attributes,
        // and `@login` adds a listener for the element's `login` event.
        compilerOptions: { isCustomElement: (tag) => tag === 'pkce-login' },
      },
    }),
  ],
  build: { outDir: 'dist', emptyOutDir: true },
});
