import { createApp } from 'vue';
// Registers <pkce-login> (the npm build: a bundler resolves its two dependencies).
import 'pkce-login/pkce-login.js';
import App from './App.vue';
import { readSettings } from '../../shared/settings.ts';

createApp(App, { settings: readSettings() }).mount('#app');
