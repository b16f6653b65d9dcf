/**
 * Registers `<pkce-login>`. This is the module a page or bundler imports to use the tag; it is
 * also the entry of the self-contained CDN bundle. Registering twice (two copies of the script on
 * one page) is harmless: the first definition wins.
 *
 * Safe to import where there is no DOM (server rendering): it registers nothing there.
 *
 * @packageDocumentation
 */

// First: the database opens while everything else evaluates.
import './storage/open-database-early.js';
import { PkceLogin } from './pkce-login.component.js';

export * from './index.js';

if (typeof customElements !== 'undefined' && !customElements.get('pkce-login')) {
  customElements.define('pkce-login', PkceLogin);
}

declare global {
  interface HTMLElementTagNameMap {
    'pkce-login': PkceLogin;
  }
}
