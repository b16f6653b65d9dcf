import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// Registers <pkce-login> (the npm build: a bundler resolves its two dependencies).
import 'pkce-login/pkce-login.js';
import { App } from './App.tsx';
import { readSettings } from '../../shared/settings.ts';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App settings={readSettings()} />
  </StrictMode>,
);
