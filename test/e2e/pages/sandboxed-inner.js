// Inside a sandboxed iframe (see sandboxed.js): one <pkce-login>, configured from the
// document's `data-config` (srcdoc) or the `config` query parameter (served page). Each of its
// events, and any uncaught error or unhandled rejection, is posted to the parent page with the
// frame's name and both origins: the document's (self.origin) and its address's
// (location.origin).

const query = new URLSearchParams(location.search);
const frameName = document.documentElement.dataset.frame ?? query.get('frame');
const config = JSON.parse(document.documentElement.dataset.config ?? query.get('config') ?? '{}');

function report(type, detail) {
  parent.postMessage({ frame: frameName, type, detail, origin: self.origin, locationOrigin: location.origin }, '*');
}

window.addEventListener('error', (e) => report('page-error', String(e.message)));
window.addEventListener('unhandledrejection', (e) => report('page-error', `unhandled rejection: ${e.reason?.message ?? e.reason}`));

const element = document.createElement('pkce-login');
for (const [name, value] of Object.entries(config)) element.setAttribute(name, value);
for (const type of ['token', 'login', 'logout', 'error']) {
  element.addEventListener(type, (event) => report(type, JSON.parse(JSON.stringify(event.detail))));
}
document.getElementById('slot').append(element);
report('ready', null);
