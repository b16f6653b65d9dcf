/**
 * Registers `<pkce-login>`. This is the module a page or bundler imports to use the tag; it is
 * also the entry of the self-contained CDN bundle. Registering twice (two copies of the script on
 * one page) is harmless: the first definition wins.
 *
 * Safe to import where there is no DOM (server rendering): it registers nothing there.
 *
 * @packageDocumentation
 */

import { PkceLogin } from './pkce-login.component.js';
import { openDatabase } from './storage/database.js';

export * from './index.js';

if (typeof customElements !== 'undefined') {
  // A signed-in page reads its session from IndexedDB as soon as the element starts: the
  // connection opens now, while lit defines, upgrades and renders the element.
  void openDatabase().catch(() => undefined);
  if (!customElements.get('pkce-login')) customElements.define('pkce-login', PkceLogin);
}

declare global {
  interface HTMLElementTagNameMap {
    'pkce-login': PkceLogin;
  }
}
