// Several <pkce-login> elements, each with its own attributes: the `widgets` query parameter is a
// JSON array of attribute objects (one per element). Used by mixup.test.mjs (issue 12, finding 1:
// widgets of different issuers on one redirect URI). The configuration is kept in sessionStorage
// (key `e2e-widgets`), so that the page returning from a provider (whose URL has only callback
// parameters) is configured alike; every event is recorded, with the element's index, in
// window.__events and sessionStorage (key `e2e-events`), tokens replaced by their lengths. An
// `error` recorded here is handled (`preventDefault()`): the element prints no console warning
// for it, so the console holds only the warnings mixup.test.mjs counts.

const EVENTS_KEY = 'e2e-events';
const CONFIG_KEY = 'e2e-widgets';

function readWidgets() {
  const fromQuery = new URLSearchParams(location.search).get('widgets');
  if (fromQuery) sessionStorage.setItem(CONFIG_KEY, fromQuery);
  return JSON.parse(fromQuery ?? sessionStorage.getItem(CONFIG_KEY) ?? '[]');
}

function recordable(type, detail) {
  if (detail === null || typeof detail !== 'object') return detail ?? null;
  const copy = JSON.parse(JSON.stringify(detail));
  if (type === 'token') {
    for (const key of ['accessToken', 'idToken', 'refreshToken']) {
      if (typeof detail[key] === 'string') copy[key] = detail[key].length;
    }
  }
  return copy;
}

const events = JSON.parse(sessionStorage.getItem(EVENTS_KEY) ?? '[]');
window.__events = events;
window.__pageErrors = [];

function record(type, detail, widget) {
  events.push({ type, detail: recordable(type, detail), at: Date.now(), url: location.pathname, widget });
  sessionStorage.setItem(EVENTS_KEY, JSON.stringify(events));
  document.getElementById('log').textContent = events
    .map((e) => `${e.widget} ${e.type} ${JSON.stringify(e.detail)}`)
    .join('\n');
}

window.addEventListener('error', (e) => {
  window.__pageErrors.push(e instanceof ErrorEvent ? String(e.message) : `an "${e.type}" event reached window`);
});
window.addEventListener('unhandledrejection', (e) => {
  window.__pageErrors.push(`unhandled rejection: ${e.reason?.message ?? e.reason}`);
});

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
