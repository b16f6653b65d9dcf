// What the e2e pages record of their elements: every event, in window.__events and in
// sessionStorage (key `e2e-events`, so that it survives the trip to the provider), with tokens
// replaced by their lengths and the index of the element that fired it; and every error or
// unhandled rejection that reaches window, in window.__pageErrors.

const EVENTS_KEY = 'e2e-events';

/** A copy of an event's detail that is safe to keep: tokens become their lengths. */
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

/** Records one event of the element `widget` (its index on the page) and shows the log. */
export function record(type, detail, widget = 0) {
  events.push({ type, detail: recordable(type, detail), at: Date.now(), url: location.pathname, widget });
  sessionStorage.setItem(EVENTS_KEY, JSON.stringify(events));
  document.getElementById('log').textContent = events
    .map((e) => `${e.widget} ${e.type} ${JSON.stringify(e.detail)}`)
    .join('\n');
}

window.addEventListener('error', (e) => {
  window.__pageErrors.push(e instanceof ErrorEvent
    ? String(e.message)
    : `an "${e.type}" ${e.constructor.name} reached window (it must not bubble)`);
});
window.addEventListener('unhandledrejection', (e) => {
  window.__pageErrors.push(`unhandled rejection: ${e.reason?.message ?? e.reason}`);
});
