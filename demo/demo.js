// Demo page for <pkce-login>. Plain ES module, no build step, no framework.
//
// Rules this file keeps (the page must run under a strict CSP and treat every claim and event
// detail as untrusted data):
// - the DOM is built with createElement/textContent only, never innerHTML;
// - no inline styles: state is exposed with attributes/classes that demo.css styles;
// - tokens are never written to the console, localStorage, sessionStorage, cookies or the URL,
//   and are displayed only as their first 12 characters plus their length; of a JWT, the decoded
//   header and payload are shown, never its signature.

const DEFAULTS = Object.freeze({
  issuer: 'http://127.0.0.1:8401',
  client_id: 'pkce-login-demo',
  scope: '',
  audience: '',
});
const SETTING_KEYS = /** @type {const} */ (['issuer', 'client_id', 'scope', 'audience']);

// sessionStorage keys. Only the four provider settings above and a timestamp are ever stored.
const SETTINGS_KEY = 'pkce-login-demo:settings';
const LOGOUT_RETURN_KEY = 'pkce-login-demo:logout-return';
/** How long a stored "we navigated to the provider's logout" mark is honoured. */
const LOGOUT_RETURN_MAX_AGE_MS = 10 * 60 * 1000;

const CALLBACK_PARAMS = ['code', 'state', 'error'];
/** The framework examples, beside the demo on the demo site (`npm run build:demo`). */
const EXAMPLES = ['react', 'vue', 'angular'];
/** The bundle's version, CDN address and SRI hash, written by the build (scripts/sri.mjs). */
const INTEGRITY_URL = '../dist/integrity.json';
const MAX_LOG_ENTRIES = 200;

/** The page's own URL without query or hash: the redirect URI to register at the provider. */
const REDIRECT_URI = location.origin + location.pathname;

const ERROR_HINTS = {
  invalid_config:
    'The element is misconfigured (the message names the attribute). Check the issuer (https://, or http:// on 127.0.0.1/localhost only) and the client ID in the settings below.',
  discovery_failed:
    "The provider's /.well-known/openid-configuration could not be loaded, or its issuer differs from the configured one. Is the issuer copied character for character from the discovery document's issuer (after a path, the trailing slash counts: see the rule under the Issuer setting)? Does the provider allow CORS from this origin (Auth0: Allowed Web Origins; Keycloak: Web Origins)? For the local preset: is `npm start` running?",
  state_mismatch:
    'This callback matches no login started in this browser: it expired (10 minutes), was already used, or the login was opened in another browser. Just log in again.',
  iss_mismatch:
    'The authorization response names a different issuer than the configured one (RFC 9207 mix-up protection). Check that the issuer setting is exactly the provider’s issuer.',
  access_denied: 'The login or consent was declined, by the user or by a provider policy. Log in again to retry.',
  login_required: 'Nobody is signed in, or the provider needs an interactive login. Log in (again).',
  consent_required: 'The provider needs the user to grant consent. Log in again.',
  interaction_required: 'The provider needs user interaction. Log in again.',
  invalid_scope: 'The provider rejected a requested scope. Remove it from the Scope setting.',
  invalid_grant:
    'The authorization code was rejected: already used, expired, or the redirect URI / PKCE verifier did not match. Log in again.',
  network_error:
    'A request to the provider did not complete: offline, provider down, timed out, or blocked by CORS or by the page’s Content-Security-Policy (connect-src must allow the issuer).',
  invalid_client:
    'The client must be a public SPA client with no client secret, with the Authorization Code grant and PKCE allowed. Entra ID: register the redirect URI under the “Single-page application” platform, not “Web”. Google requires a client secret even from browsers, so it cannot be used as a pure public client.',
  id_token_invalid:
    "The ID token failed validation (the message says which check: issuer, audience, azp, expiry, iat or nonce). Check the issuer and client ID settings; without discovery, the ID token's iss must equal the issuer exactly, trailing slash included.",
  clock_skew:
    'This device’s clock is too far from the provider’s for its tokens to validate. Set the clock automatically, or raise the element’s clock-tolerance.',
  popup_closed: 'The login popup was closed before the login finished.',
  storage_unavailable: 'The browser offers no storage for the login transaction (private mode with storage blocked?).',
};
ERROR_HINTS.unauthorized_client = ERROR_HINTS.invalid_client;

// ---------------------------------------------------------------------------------------------
// Settings: from the query string, else (right after a redirect) from sessionStorage, else the
// local defaults.

function pickSettings(source) {
  const out = {};
  for (const key of SETTING_KEYS) {
    const value = typeof source?.get === 'function' ? source.get(key) : source?.[key];
    out[key] = typeof value === 'string' ? value.trim() : '';
  }
  return out;
}

function readStoredSettings() {
  try {
    const raw = sessionStorage.getItem(SETTINGS_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw);
    if (!parsed || typeof parsed !== 'object') return null;
    const settings = pickSettings(parsed);
    return settings.issuer ? settings : null;
  } catch {
    return null;
  }
}

function storeSettings(settings) {
  try {
    sessionStorage.setItem(SETTINGS_KEY, JSON.stringify(pickSettings(settings)));
  } catch {
    // Storage blocked: the page still works, it just forgets the settings across the redirect.
  }
}

function takeLogoutReturnMark() {
  try {
    const at = Number(sessionStorage.getItem(LOGOUT_RETURN_KEY));
    sessionStorage.removeItem(LOGOUT_RETURN_KEY);
    return at > 0 && Date.now() - at < LOGOUT_RETURN_MAX_AGE_MS;
  } catch {
    return false;
  }
}

function sameAsDefaults(settings) {
  return SETTING_KEYS.every((key) => settings[key] === DEFAULTS[key]);
}

/** @returns {{ settings: Record<string,string>, source: 'query' | 'callback' | 'logout-return' | 'defaults' }} */
function resolveSettings() {
  const params = new URLSearchParams(location.search);
  if (params.has('issuer')) return { settings: pickSettings(params), source: 'query' };

  const isCallback = CALLBACK_PARAMS.some((p) => params.has(p));
  // Always consume the logout mark, so that it cannot apply to a later, unrelated load.
  const isLogoutReturn = takeLogoutReturnMark();
  if (isCallback || isLogoutReturn) {
    const stored = readStoredSettings();
    if (stored) return { settings: stored, source: isCallback ? 'callback' : 'logout-return' };
  }

  const settings = { ...DEFAULTS };
  for (const key of SETTING_KEYS) {
    if (params.has(key)) settings[key] = (params.get(key) ?? '').trim();
  }
  return { settings, source: 'defaults' };
}

function settingsQuery(settings) {
  const params = new URLSearchParams();
  for (const key of SETTING_KEYS) {
    if (key === 'issuer' || key === 'client_id' || settings[key]) params.set(key, settings[key]);
  }
  return params;
}

// ---------------------------------------------------------------------------------------------
// Small helpers for building DOM and for keeping tokens out of sight.

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const TOKEN_KEY = /^(access|id|refresh)_?token$|^token$/i;
const LOOKS_LIKE_JWT = /^[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/;

/** First 12 characters, an ellipsis and the length: enough to tell tokens apart, useless to steal. */
function shortenToken(token) {
  return `${token.slice(0, 12)}…(${token.length} chars)`;
}

/** Deep copy of an event detail with every token-like string shortened. */
function redact(value, key = '', depth = 0) {
  if (typeof value === 'string') {
    return TOKEN_KEY.test(key) || (value.length > 40 && LOOKS_LIKE_JWT.test(value)) ? shortenToken(value) : value;
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, '', depth + 1));
  const out = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(v, k, depth + 1);
  return out;
}

function pretty(value) {
  try {
    const json = JSON.stringify(value, null, 2);
    return json === undefined ? String(value) : json;
  } catch {
    return String(value);
  }
}

const pad = (n, width = 2) => String(n).padStart(width, '0');
function clockTime(date = new Date()) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);
function claimText(key, value) {
  if (TIME_CLAIMS.has(key) && typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value * 1000);
    return Number.isNaN(date.getTime()) ? String(value) : `${value} (${date.toLocaleString()})`;
  }
  if (typeof value === 'string') return value;
  return pretty(value);
}

// ---------------------------------------------------------------------------------------------
// Page wiring.

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const { settings, source } = resolveSettings();

// Show the settings in the form and the provider line.
const form = /** @type {HTMLFormElement} */ ($('settings'));
for (const key of SETTING_KEYS) {
  const input = /** @type {HTMLInputElement} */ ($(`f-${key}`));
  input.value = settings[key];
}
$('current-issuer').textContent = settings.issuer || '(none)';
$('current-client').textContent = settings.client_id || '(none)';
$('redirect-uri').textContent = REDIRECT_URI;

const resetLink = /** @type {HTMLAnchorElement} */ ($('reset-link'));
resetLink.href = location.pathname;
resetLink.addEventListener('click', () => {
  try {
    sessionStorage.removeItem(SETTINGS_KEY);
    sessionStorage.removeItem(LOGOUT_RETURN_KEY);
  } catch {
    /* ignore */
  }
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!form.reportValidity()) return;
  const next = pickSettings(new FormData(form));
  storeSettings(next);
  location.assign(`${location.pathname}?${settingsQuery(next)}`);
});

// ---- Event log ------------------------------------------------------------------------------

const logList = $('log');
const logEmpty = $('log-empty');

/**
 * @param {string} type  event type, or a page action such as "getAccessToken()"
 * @param {{ summary?: string, error?: { code?: string, message?: string, description?: string }, detail?: unknown, kind?: string }} entry
 */
function addLog(type, { summary, error, detail, kind } = {}) {
  const item = h('li', { className: `entry entry-${kind ?? type}` });
  const head = h(
    'div',
    { className: 'entry-head' },
    h('span', { className: 'badge', text: type }),
    h('time', { className: 'entry-time', datetime: new Date().toISOString(), text: clockTime() }),
  );
  if (summary) head.append(h('span', { className: 'entry-summary', text: summary }));
  item.append(head);

  if (error) {
    const list = h('dl', { className: 'error-fields' });
    for (const field of ['code', 'message', 'description']) {
      const value = error[field];
      if (value === undefined || value === null || value === '') continue;
      list.append(h('dt', { text: field }), h('dd', { text: String(value) }));
    }
    item.append(list);
    const hint = ERROR_HINTS[String(error.code)];
    if (hint) item.append(h('p', { className: 'hint' }, h('strong', { text: 'Hint: ' }), hint));
  }

  if (detail !== undefined) {
    const details = h('details', { className: 'entry-detail' }, h('summary', { text: 'detail' }));
    details.open = kind !== 'page';
    details.append(h('pre', { text: pretty(redact(detail)) }));
    item.append(details);
  }

  logList.prepend(item);
  while (logList.childElementCount > MAX_LOG_ENTRIES) logList.lastElementChild?.remove();
  logEmpty.hidden = true;
}

$('clear-log').addEventListener('click', () => {
  logList.replaceChildren();
  logEmpty.hidden = false;
});

// ---- The element ------------------------------------------------------------------------------

const el = /** @type {any} */ (document.createElement('pkce-login'));
el.id = 'login';
if (settings.issuer) el.setAttribute('issuer', settings.issuer);
if (settings.client_id) el.setAttribute('client-id', settings.client_id);
if (settings.scope) el.setAttribute('scope', settings.scope);
if (settings.audience) el.setAttribute('audience', settings.audience);
el.setAttribute('redirect-uri', REDIRECT_URI);

const statusBox = $('status');
const statusValue = $('status-value');
const localLogoutButton = /** @type {HTMLButtonElement} */ ($('local-logout'));
const claimsTable = $('claims');
const claimsBody = $('claims-body');
const userEmpty = $('user-empty');

function currentStatus() {
  return el.getAttribute('status') || (typeof el.status === 'string' ? el.status : '') || '';
}

function renderStatus() {
  const status = currentStatus() || (customElements.get('pkce-login') ? 'unknown' : 'not loaded');
  statusValue.textContent = status;
  statusBox.dataset.status = status;
  localLogoutButton.disabled = status !== 'signed-in';
  if (status === 'signed-in' || status === 'signed-out') renderUser();
  if (status === 'signed-in' || status === 'signed-out') restoreQueryAfterCallback();
}

function renderUser(user = el.user) {
  claimsBody.replaceChildren();
  const claims = user && typeof user === 'object' ? redact(user) : null;
  const entries = claims ? Object.entries(claims) : [];
  for (const [key, value] of entries) {
    claimsBody.append(h('tr', {}, h('th', { scope: 'row', text: key }), h('td', { text: claimText(key, value) })));
  }
  claimsTable.hidden = entries.length === 0;
  userEmpty.hidden = entries.length > 0;
}

// After the provider redirected back (settings restored from sessionStorage), put the settings
// back into the address bar once the element has cleaned the callback parameters, so that a
// reload or a copied link still targets the same provider. Done once, never while the callback
// parameters are still there (the element owns those).
let queryRestored = source !== 'callback' && source !== 'logout-return';
function restoreQueryAfterCallback() {
  if (queryRestored) return;
  const url = new URL(location.href);
  if (CALLBACK_PARAMS.some((p) => url.searchParams.has(p))) return;
  queryRestored = true;
  if (sameAsDefaults(settings)) return;
  for (const [key, value] of settingsQuery(settings)) url.searchParams.set(key, value);
  history.replaceState(history.state, '', url);
}

el.addEventListener('token', (event) => {
  const d = event.detail ?? {};
  const expires =
    typeof d.expiresAt === 'number' ? `, expires ${new Date(d.expiresAt).toLocaleTimeString()}` : '';
  addLog('token', {
    summary: `${d.tokenType ?? 'access'} token${expires}${d.scope ? ` · scope: ${d.scope}` : ''}`,
    detail: d,
  });
  renderTokens(d);
});

el.addEventListener('login', (event) => {
  const d = event.detail ?? {};
  const user = d.user ?? {};
  const who = [user.name, user.preferred_username, user.email, user.sub].find((v) => typeof v === 'string' && v);
  addLog('login', {
    summary: `signed in${who ? ` as ${who}` : ''}${d.restored ? ' (restored session)' : ''}`,
    detail: d,
  });
  renderUser(d.user ?? el.user);
  renderStatus();
});

el.addEventListener('logout', (event) => {
  const d = event.detail ?? {};
  addLog('logout', { summary: d.reason ? `reason: ${d.reason}` : undefined, detail: d });
  renderTokens(null);
  renderUser(null);
  renderStatus();
});

el.addEventListener('error', (event) => {
  // Handled: the log below shows it, so the element prints no "error not handled" warning.
  event.preventDefault();
  const d = event.detail ?? {};
  addLog('error', { summary: typeof d.code === 'string' ? d.code : undefined, error: d, detail: d });
  renderStatus();
});

// The element's own buttons live in its shadow root; their clicks reach the host. Before a login
// navigates away, remember the settings for the callback. Before a provider logout navigates away,
// mark the tab so that the post-logout return (a bare URL) restores them too.
let logoutClickedAt = 0;
el.addEventListener(
  'click',
  (event) => {
    const parts = event
      .composedPath()
      .flatMap((node) => (node instanceof Element && node.part ? [...node.part] : []));
    if (parts.includes('logout')) logoutClickedAt = Date.now();
    else storeSettings(settings);
  },
  { capture: true },
);
addEventListener('pagehide', () => {
  if (Date.now() - logoutClickedAt > 10_000) return;
  storeSettings(settings);
  try {
    sessionStorage.setItem(LOGOUT_RETURN_KEY, String(Date.now()));
  } catch {
    /* ignore */
  }
});

new MutationObserver(renderStatus).observe(el, { attributes: true, attributeFilter: ['status'] });

// Listeners are in place before the element connects, so no event of the callback is missed.
$('login-slot').append(el);
renderStatus();

customElements.whenDefined('pkce-login').then(() => {
  $('load-error').hidden = true;
  renderStatus();
});
addEventListener('load', () => {
  if (customElements.get('pkce-login')) return;
  const notice = $('load-error');
  notice.replaceChildren(
    'The element did not load from ',
    h('code', { text: '../dist/pkce-login.js' }),
    '. Build it with ',
    h('code', { text: 'npm run build' }),
    ' (or run ',
    h('code', { text: 'npm start' }),
    '), then reload.',
  );
  notice.hidden = false;
  renderStatus();
});

if (source === 'callback' || source === 'logout-return') {
  addLog('settings', {
    kind: 'page',
    summary: `restored ${settings.issuer} from this tab's sessionStorage after the redirect`,
  });
}

// ---- Page buttons -------------------------------------------------------------------------------

$('get-token').addEventListener('click', async () => {
  if (typeof el.getAccessToken !== 'function') {
    addLog('getAccessToken()', { kind: 'error', error: { code: 'not_loaded', message: 'The element is not loaded.' } });
    return;
  }
  try {
    const token = await el.getAccessToken();
    addLog('getAccessToken()', {
      kind: 'page',
      summary:
        typeof token === 'string'
          ? `resolved: a ${token.length}-character access token (${shortenToken(token)})`
          : 'resolved without a token',
    });
  } catch (err) {
    const e = /** @type {any} */ (err) ?? {};
    const code = typeof e.code === 'string' ? e.code : e.name || 'unknown';
    addLog('getAccessToken()', {
      kind: 'error',
      summary: `rejected: ${code}`,
      error: { code, message: e.message, description: e.description },
    });
  }
});

localLogoutButton.addEventListener('click', () => {
  logoutClickedAt = 0;
  try {
    const result = el.logout({ local: true });
    if (result && typeof result.catch === 'function') result.catch(() => {});
  } catch {
    /* the element reports failures with an `error` event */
  }
});

// ---- Decoded tokens ------------------------------------------------------------------------

/** Decodes one base64url segment of a JWT as JSON; `undefined` when it is not that. */
function decodeSegment(segment) {
  try {
    const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What can be read of a token without any key: a signed JWT (JWS, three parts) shows its header
 * and payload; an encrypted one (JWE, five parts) only its header; anything else is opaque.
 *
 * @param {unknown} token
 * @returns {{ kind: 'jws' | 'jwe' | 'opaque', length: number, header?: object, payload?: object }}
 */
function decodeToken(token) {
  const text = typeof token === 'string' ? token : '';
  const parts = text.split('.');
  const header = parts.length === 3 || parts.length === 5 ? decodeSegment(parts[0]) : undefined;
  if (header && parts.length === 3) {
    const payload = decodeSegment(parts[1]);
    if (payload) return { kind: 'jws', length: text.length, header, payload };
  }
  if (header && parts.length === 5) return { kind: 'jwe', length: text.length, header };
  return { kind: 'opaque', length: text.length };
}

function tokenMeta(decoded) {
  const alg = typeof decoded.header?.alg === 'string' ? decoded.header.alg : '?';
  if (decoded.kind === 'opaque') {
    return `Opaque (not a JWT), ${decoded.length} characters: only the provider can read it.`;
  }
  if (decoded.kind === 'jwe') return `Encrypted JWT (JWE, ${alg}), ${decoded.length} characters: the payload is unreadable here.`;
  const payload = /** @type {Record<string, unknown>} */ (decoded.payload);
  const times = ['iat', 'exp']
    .filter((claim) => typeof payload[claim] === 'number')
    .map((claim) => `${claim === 'iat' ? 'issued' : 'expires'} ${new Date(Number(payload[claim]) * 1000).toLocaleString()}`);
  return [`JWT signed with ${alg}, ${decoded.length} characters`, ...times].join(' · ');
}

function renderToken(id, token) {
  const part = $(id);
  const parts = $(`${id}-parts`);
  parts.replaceChildren();
  if (typeof token !== 'string' || token === '') {
    part.hidden = true;
    return;
  }
  const decoded = decodeToken(token);
  $(`${id}-meta`).textContent = tokenMeta(decoded);
  for (const [label, value] of [['header', decoded.header], ['payload', decoded.payload]]) {
    if (!value) continue;
    parts.append(h('p', { className: 'token-label small', text: label }), h('pre', { className: 'token-json', text: pretty(value) }));
  }
  part.hidden = false;
}

/** Shows the tokens of a `token` event (a renewal without a new ID token keeps the last one). */
function renderTokens(detail) {
  if (!detail) {
    renderToken('id-token', '');
    renderToken('access-token', '');
  } else {
    if (typeof detail.idToken === 'string') renderToken('id-token', detail.idToken);
    renderToken('access-token', detail.accessToken);
  }
  const shown = !$('id-token').hidden || !$('access-token').hidden;
  $('tokens').hidden = !shown;
  $('tokens-empty').hidden = shown;
}

// ---- Snippet for the current settings --------------------------------------------------------

const escapeAttribute = (value) => String(value).replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The element's tag with the current settings as attributes. */
function elementTag() {
  const attributes = [
    ['issuer', settings.issuer],
    ['client-id', settings.client_id],
    ['scope', settings.scope],
    ['audience', settings.audience],
  ].filter(([, value]) => value);
  return `<pkce-login${attributes.map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('')}></pkce-login>`;
}

async function renderSnippet() {
  let integrity;
  try {
    const response = await fetch(INTEGRITY_URL, { cache: 'no-store' });
    if (response.ok) integrity = await response.json();
  } catch {
    // not built: the snippet goes without a pinned version and hash
  }
  const valid = integrity && typeof integrity.src === 'string' && /^sha384-[A-Za-z0-9+/]+=*$/.test(String(integrity.integrity));
  const script = valid
    ? `<script type="module" src="${escapeAttribute(integrity.src)}"\n        integrity="${integrity.integrity}"\n        crossorigin="anonymous"></script>`
    : '<!-- no dist/integrity.json here: run npm run build, which prints the script tag with its integrity hash -->';
  $('snippet').textContent = [
    script,
    elementTag(),
    '<script type="module">',
    "  const login = document.querySelector('pkce-login');",
    "  login.addEventListener('login', (e) => console.log('hello', e.detail.user.name));",
    "  login.addEventListener('token', (e) => { /* e.detail.accessToken for your API */ });",
    "  login.addEventListener('error', (e) => { e.preventDefault(); /* show e.detail.code, e.detail.message */ });",
    '</script>',
  ].join('\n');
  $('snippet-note').textContent = valid
    ? `Version ${integrity.version}, once published on npm. The hash is of that exact file: change the version, change the hash (npm run build prints it). Before it is published, or for a copy on your own origin: serve this site's dist/pkce-login.js from your origin and point src at it, with the same integrity value. Register your page's URL as a redirect URI of the client.`
    : `${INTEGRITY_URL} was not found (run npm run build), so this snippet has no pinned version and no integrity hash.`;
}

renderSnippet();

$('copy-snippet').addEventListener('click', async () => {
  const result = $('copy-snippet-result');
  try {
    await navigator.clipboard.writeText($('snippet').textContent ?? '');
    result.textContent = 'Copied to the clipboard.';
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('snippet'));
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    result.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
});

// ---- Links to the framework examples, with the current provider ------------------------------

for (const name of EXAMPLES) {
  const link = /** @type {HTMLAnchorElement} */ ($(`example-${name}`));
  const url = new URL(`../examples/${name}/`, location.href);
  url.searchParams.set('issuer', settings.issuer);
  url.searchParams.set('client_id', settings.client_id);
  link.href = url.href;
}
watchExamples();

/**
 * `npm start` builds the examples after the demo is up, and answers `../examples/status.json`
 * with the state of each (`building`, `ready`, `failed`): until one is ready, its link says so,
 * and the state is read again every few seconds. A built site has the file with every example
 * ready; without the file (an older site), the links stay as they are.
 */
async function watchExamples() {
  const labels = new Map(
    EXAMPLES.map((name) => {
      const label = h('span', { className: 'example-state small muted', 'aria-live': 'polite' });
      $(`example-${name}`).after(label);
      return [name, label];
    }),
  );
  const TEXT = { building: ' (building…)', failed: ' (build failed: see the terminal)' };
  for (;;) {
    let states = {};
    try {
      const response = await fetch('../examples/status.json', { cache: 'no-store' });
      if (response.ok) states = await response.json();
    } catch {
      // the server is gone (npm start stopped): leave the links as they are
    }
    for (const [name, label] of labels) label.textContent = TEXT[states?.[name]] ?? '';
    if (!Object.values(states ?? {}).includes('building')) return;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

// ---- Copy the redirect URI -------------------------------------------------------------------

$('copy-redirect').addEventListener('click', async () => {
  const result = $('copy-result');
  try {
    await navigator.clipboard.writeText(REDIRECT_URI);
    result.textContent = 'Copied to the clipboard.';
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('redirect-uri'));
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    result.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
});

// ---- Calling your APIs (the two local APIs of npm start) ----------------------------------------

/** Set in sessionStorage before a step-up redirect: call API two again once signed in. */
const STEP_UP_RETRY_KEY = 'pkce-login-demo:step-up-retry';

async function setUpApis() {
  const note = $('apis-note');
  let config;
  try {
    const response = await fetch('./apis.json', { cache: 'no-store' });
    if (response.ok) config = await response.json();
  } catch {
    /* no npm start */
  }
  if (!config?.apis) {
    note.textContent = 'The local APIs run with npm start; this copy of the site has none.';
    return;
  }
  if (config.issuer !== settings.issuer) {
    note.textContent = `The local APIs accept tokens of the local provider (${config.issuer}) only; this page signs in to ${settings.issuer}.`;
    return;
  }
  // The attribute, not the property: this may run before the element is defined.
  el.setAttribute('apis', JSON.stringify(config.apis));
  $('apis-config').textContent = JSON.stringify(config.apis, null, 2);
  note.hidden = true;
  $('apis-body').hidden = false;

  const stepUpButton = /** @type {HTMLButtonElement} */ ($('step-up'));
  /** @type {unknown} */
  let challenge;
  el.addEventListener('error', (event) => {
    if (event.detail?.code !== 'insufficient_user_authentication') return;
    challenge = event.detail.challenge;
    stepUpButton.hidden = false;
  });

  /** Calls one API through el.fetch() and shows its status and what it saw. */
  const call = async (name) => {
    const out = $(`api-result-${name}`);
    out.textContent = 'calling…';
    try {
      const response = await el.fetch(config.calls[name]);
      const body = await response.json().catch(() => null);
      const seen = response.ok
        ? `aud ${JSON.stringify(body?.aud)}, scope ${JSON.stringify(body?.scope)}, acr ${JSON.stringify(body?.acr)}`
        : `${body?.error ?? ''}${body?.reason ? `: ${body.reason}` : ''}`;
      out.textContent = `${response.status}: ${seen}`;
      if (name === 'two' && response.ok) stepUpButton.hidden = true;
    } catch (error) {
      out.textContent = `refused: ${error?.code ?? ''} ${error?.message ?? error}`;
    }
  };
  $('call-one').addEventListener('click', () => void call('one'));
  $('call-two').addEventListener('click', () => void call('two'));
  stepUpButton.addEventListener('click', async () => {
    try {
      sessionStorage.setItem(STEP_UP_RETRY_KEY, '1');
    } catch {
      /* ignore */
    }
    try {
      await el.stepUp(challenge, { returnTo: location.href });
    } catch (error) {
      $('api-result-two').textContent = `step-up failed: ${error?.code ?? ''} ${error?.message ?? error}`;
    }
  });

  // Back from the step-up: call API two again, with the new login's token.
  let retry = false;
  try {
    retry = sessionStorage.getItem(STEP_UP_RETRY_KEY) === '1';
  } catch {
    /* ignore */
  }
  if (retry) {
    const again = async () => {
      sessionStorage.removeItem(STEP_UP_RETRY_KEY);
      // The element reads `apis` in its update, after the attribute changed.
      await customElements.whenDefined('pkce-login');
      await el.updateComplete;
      void call('two');
    };
    if (currentStatus() === 'signed-in') void again();
    else el.addEventListener('login', again, { once: true });
  }
}

void setUpApis();
