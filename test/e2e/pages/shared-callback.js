// Several <pkce-login> elements, each with its own attributes: the `widgets` query parameter is a
// JSON array of attribute objects (one per element). Used by mixup.test.mjs (issue 12, finding 1:
// widgets of different issuers on one redirect URI). The configuration is kept in sessionStorage
// (key `e2e-widgets`), so that the page returning from a provider (whose URL has only callback
// parameters) is configured alike; every event is recorded, with the element's index, in
// window.__events and sessionStorage (key `e2e-events`), tokens replaced by their lengths. An
// `error` recorded here is handled (`preventDefault()`): the element prints no console warning
// for it, so the console holds only the warnings mixup.test.mjs counts.

import { record } from './event-recorder.js';

const CONFIG_KEY = 'e2e-widgets';

function readWidgets() {
  const fromQuery = new URLSearchParams(location.search).get('widgets');
  if (fromQuery) sessionStorage.setItem(CONFIG_KEY, fromQuery);
  return JSON.parse(fromQuery ?? sessionStorage.getItem(CONFIG_KEY) ?? '[]');
}

window.__elements = readWidgets().map((attributes, index) => {
  const element = document.createElement('pkce-login');
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const type of ['token', 'login', 'logout', 'error']) {
    element.addEventListener(type, (event) => {
      if (type === 'error') event.preventDefault();
      record(type, event.detail, index);
    });
  }
  document.getElementById('slot').append(element);
  return element;
});
