// One <pkce-login> configured from the query string; every event it fires is recorded in
// window.__events and in sessionStorage (key `e2e-events`), with tokens replaced by their
// lengths. The configuration is kept in sessionStorage (key `e2e-config`) so that the page
// returning from the provider (whose URL has only callback parameters) is configured alike.

import { record } from './event-recorder.js';

const CONFIG_KEY = 'e2e-config';
const CALLBACK_PARAMS = new Set([
  'code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri',
  // glewlwyd echoes the request's ui_locales in its authorization response after PAR
  'ui_locales',
]);

/** Attribute settings from the query string, else from the previous load of this tab. */
function readConfig() {
  const params = new URLSearchParams(location.search);
  const fromQuery = [...params].filter(([name]) => !CALLBACK_PARAMS.has(name));
  if (fromQuery.length > 0) {
    const config = Object.fromEntries(
      fromQuery.map(([name, value]) => [name.replace(/_/g, '-'), value]),
    );
    sessionStorage.setItem(CONFIG_KEY, JSON.stringify(config));
    return config;
  }
  return JSON.parse(sessionStorage.getItem(CONFIG_KEY) ?? '{}');
}

/**
 * Creates one configured element. The page's `data-widgets` attribute asks for several
 * elements; `data-remount` replaces the first element by a new one right after it connected,
 * as frameworks do when they mount twice.
 */
function createElement(index) {
  const element = document.createElement('pkce-login');
  for (const [name, value] of Object.entries(readConfig())) {
    element.setAttribute(name, value);
  }
  for (const type of ['token', 'login', 'logout', 'error']) {
    element.addEventListener(type, (event) => record(type, event.detail, index));
  }
  document.getElementById('slot').append(element);
  return element;
}

const count = Number(document.documentElement.dataset.widgets ?? 1);
window.__elements = Array.from({ length: count }, (_, index) => createElement(index));
window.__element = window.__elements[0];
if (document.documentElement.dataset.remount !== undefined) {
  queueMicrotask(() => {
    window.__element.remove();
    window.__element = window.__elements[0] = createElement(0);
  });
}
