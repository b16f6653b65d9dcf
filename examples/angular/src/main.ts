import { bootstrapApplication } from '@angular/platform-browser';
// Registers <pkce-login> (the npm build: the builder bundles its two dependencies).
import 'pkce-login/pkce-login.js';
import { App } from './app.ts';

bootstrapApplication(App).catch((error: unknown) => console.error(error));
