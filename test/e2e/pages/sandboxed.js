// Two iframes sandboxed with `allow-scripts` only (an opaque origin, "null"), each with a
// <pkce-login> configured from this page's query (`issuer`, `client_id`):
// - `srcdoc`: an about:srcdoc document;
// - `served`: sandboxed-inner.html from this server, whose address (location.origin) looks like
//   this page's while its origin (self.origin) is "null".
// What each frame reports (see sandboxed-inner.js) is collected in window.__frames.

const params = new URLSearchParams(location.search);
const config = { issuer: params.get('issuer'), 'client-id': params.get('client_id') };

window.__frames = [];
window.addEventListener('message', (event) => {
  // Messages from an opaque origin carry the origin "null".
  if (event.origin === 'null' && event.data?.frame) window.__frames.push(event.data);
});

function frame(name, setup) {
  const iframe = document.createElement('iframe');
  iframe.name = name;
  iframe.title = name;
  iframe.setAttribute('sandbox', 'allow-scripts');
  setup(iframe);
  document.getElementById('frames').append(iframe);
}

const inner = new URL('sandboxed-inner.js', location.href).href;
const bundle = new URL('/dist/pkce-login.js', location.href).href;
frame('srcdoc', (iframe) => {
  const json = JSON.stringify(config).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  iframe.srcdoc = `<!doctype html><html lang="en" data-frame="srcdoc" data-config="${json}"><head>`
    + `<script type="module" src="${bundle}"></script><script type="module" src="${inner}"></script>`
    + '</head><body><main id="slot"></main></body></html>';
});
frame('served', (iframe) => {
  iframe.src = `sandboxed-inner.html?${new URLSearchParams({ frame: 'served', config: JSON.stringify(config) })}`;
});
