/**
 * A real, local OpenID Provider (node `oidc-provider`) for the demo and the end-to-end tests.
 *
 * Loopback only, in-memory storage, development signing keys and the provider's built-in
 * development login and consent pages: any login and any password sign in, the login becomes
 * the user's `sub` and `name`.
 */
import { createServer } from 'node:http';
import { listen } from './listen.mjs';

/** The client id of the public client registered by default. */
export const DEFAULT_CLIENT_ID = 'pkce-login-demo';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const COOKIE_KEYS = ['pkce-login-dev-cookie-key-1', 'pkce-login-dev-cookie-key-2'];
const DAY = 24 * 60 * 60;

/**
 * Starts `oidc-provider` on a loopback address.
 *
 * @param {object} [options]
 * @param {string} [options.host='127.0.0.1'] loopback host to listen on; the issuer uses it
 * @param {number} [options.port=0] port to listen on; 0 picks a free one
 * @param {object[]} [options.clients] client metadata to register (replaces the default client)
 * @param {string[]} [options.redirectUris] redirect URIs of the default public client
 * @param {string[]} [options.postLogoutRedirectUris] post-logout redirect URIs of the default
 *   client; defaults to `redirectUris`
 * @param {number} [options.accessTokenTtl=3600] access token lifetime in seconds
 * @param {boolean} [options.requirePar=false] refuse authorization requests that were not pushed
 *   first (RFC 9126 `require_pushed_authorization_requests`)
 * @param {object} [options.configOverrides] deep-merged into the oidc-provider configuration
 * @param {() => Record<string, string> | undefined} [options.headers] extra headers for every
 *   response, read at each request (e.g. a `Cross-Origin-Opener-Policy`)
 * @returns {Promise<{ issuer: string, port: number, provider: import('oidc-provider').default,
 *   close: () => Promise<void> }>}
 */
export async function startProvider(options = {}) {
  const {
    host = '127.0.0.1',
    port = 0,
    redirectUris,
    postLogoutRedirectUris = redirectUris,
    accessTokenTtl = 3600,
    requirePar = false,
    configOverrides = {},
    headers,
  } = options;

  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`startProvider: host must be a loopback address, got ${host}`);
  }

  const clients = options.clients ?? [defaultClient(redirectUris, postLogoutRedirectUris)];
  const Provider = await loadProviderClass();

  let handler = (req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  const listenHost = host.replace(/^\[|\]$/g, '');
  await listen(server, port, listenHost);
  const actualPort = server.address().port;
  const urlHost = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  const issuer = `http://${urlHost}:${actualPort}`;

  const configuration = mergeDeep(baseConfiguration({ clients, accessTokenTtl, requirePar }), configOverrides);
  const provider = quietly(() => new Provider(issuer, configuration));
  const callback = provider.callback();
  handler = (req, res) => {
    for (const [name, value] of Object.entries(headers?.() ?? {})) res.setHeader(name, value);
    return callback(req, res);
  };

  let closed;
  const close = () => {
    closed ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };

  return { issuer, port: actualPort, provider, close };
}

/**
 * Metadata of the default public client: no secret, code + refresh token grants.
 *
 * @param {string[] | undefined} redirectUris
 * @param {string[] | undefined} postLogoutRedirectUris
 */
function defaultClient(redirectUris, postLogoutRedirectUris) {
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
    throw new Error('startProvider: give either `clients` or a non-empty `redirectUris`');
  }
  return {
    client_id: DEFAULT_CLIENT_ID,
    client_name: '<pkce-login> demo',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [...redirectUris],
    post_logout_redirect_uris: [...(postLogoutRedirectUris ?? [])],
  };
}

/**
 * The provider configuration before `configOverrides`.
 *
 * @param {{ clients: object[], accessTokenTtl: number, requirePar?: boolean }} settings
 */
function baseConfiguration({ clients, accessTokenTtl, requirePar = false }) {
  return {
    clients,
    findAccount,
    responseTypes: ['code'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      profile: ['name', 'picture'],
      email: ['email', 'email_verified'],
    },
    pkce: { required: () => true },
    cookies: { keys: COOKIE_KEYS },
    features: {
      devInteractions: { enabled: true },
      userinfo: { enabled: true },
      // On by default in oidc-provider 9; `requirePar` makes it the only way in.
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: requirePar },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource,
        postLogoutSuccessSource,
      },
    },
    // oidc-provider keeps offline_access only without a `prompt` or with prompt=consent; public
    // clients allowed the refresh_token grant get a (rotating) refresh token either way. Without
    // offline_access the refresh token ends with the provider session.
    issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    clientBasedCORS,
    renderError,
    ttl: {
      AccessToken: () => accessTokenTtl,
      AuthorizationCode: () => 60,
      IdToken: () => 60 * 60,
      Interaction: () => 60 * 60,
      Session: () => DAY,
      Grant: () => DAY,
      RefreshToken: refreshTokenTtl,
    },
  };
}

/**
 * Any login is an account: `sub` and `name` are the login verbatim.
 *
 * @param {unknown} ctx
 * @param {string} id
 */
async function findAccount(ctx, id) {
  const login = String(id);
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        name: login,
        email: `${emailSlug(login)}@example.test`,
        email_verified: true,
        picture: avatarDataUri(login),
      };
    },
  };
}

/**
 * A lowercase, ASCII-only local part for an e-mail address made from any login.
 *
 * @param {string} login
 */
export function emailSlug(login) {
  const slug = login
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 64);
  return slug || 'user';
}

/**
 * A `data:` URI of a round SVG avatar with the login's first letter. The letter is
 * XML-escaped and the whole document percent-encoded; the SVG has no script or links.
 *
 * @param {string} login
 */
export function avatarDataUri(login) {
  const letter = (Array.from(login.trim())[0] ?? '?').toUpperCase();
  let hash = 0;
  for (const ch of login) hash = (hash * 31 + ch.codePointAt(0)) % 360;
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    + `<circle cx="32" cy="32" r="32" fill="hsl(${hash} 55% 45%)"/>`
    + '<text x="32" y="32" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" '
    + `font-size="30" fill="#fff">${escapeXml(letter)}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/**
 * Public clients may call the token, revocation and userinfo endpoints from their
 * redirect URIs' origins.
 *
 * @param {unknown} ctx
 * @param {string} origin
 * @param {{ redirectUris?: string[] }} client
 */
function clientBasedCORS(ctx, origin, client) {
  if (!origin || origin === 'null') return false;
  return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
}

/** Only the client a token was issued to may revoke it; other requests are ignored. */
async function revocationAllowed(ctx, client, token) {
  return token.clientId === client.clientId;
}

/** A rotated refresh token keeps the remaining lifetime of the one it replaces. */
function refreshTokenTtl(ctx) {
  const rotated = ctx?.oidc?.entities?.RotatedRefreshToken;
  return rotated ? rotated.remainingTTL : DAY;
}

/** The RP-Initiated Logout confirmation page. */
async function logoutSource(ctx, form) {
  ctx.body = page('Sign out', `
    <h1>Sign out of the local provider?</h1>
    ${form}
    <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
    <button type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

/** Shown after logout when no post_logout_redirect_uri was given. */
async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Signed out', '<h1>Signed out</h1><p>You are signed out of the local provider.</p>');
}

/** The provider's error page (errors that cannot go back to a redirect URI). */
async function renderError(ctx, out) {
  ctx.type = 'html';
  const rows = Object.entries(out)
    .map(([key, value]) => `<p><strong>${escapeXml(key)}</strong>: ${escapeXml(String(value))}</p>`)
    .join('');
  ctx.body = page('Error', `<h1>Something went wrong</h1>${rows}`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title></head><body>${body}</body></html>`;
}

function escapeXml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

let providerClass;

/** Imports oidc-provider once, without its start-up notices. */
async function loadProviderClass() {
  providerClass ??= quietlyAsync(() => import('oidc-provider')).then((m) => m.default);
  return providerClass;
}

const isProviderNotice = (args) => typeof args[0] === 'string'
  && /oidc-provider (WARNING|NOTICE):/.test(args[0]);

/**
 * Runs `fn` with oidc-provider's development warnings and notices filtered out of the console.
 *
 * @template T
 * @param {() => T} fn
 * @returns {T}
 */
function quietly(fn) {
  const restore = silenceNotices();
  try {
    return fn();
  } finally {
    restore();
  }
}

/**
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function quietlyAsync(fn) {
  const restore = silenceNotices();
  try {
    return await fn();
  } finally {
    restore();
  }
}

function silenceNotices() {
  const { warn, info } = console;
  console.warn = (...args) => { if (!isProviderNotice(args)) warn.apply(console, args); };
  console.info = (...args) => { if (!isProviderNotice(args)) info.apply(console, args); };
  return () => {
    console.warn = warn;
    console.info = info;
  };
}


function isPlainObject(value) {
  return value !== null && typeof value === 'object'
    && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Merges `source` into a copy of `target`: plain objects are merged key by key, anything
 * else (arrays, functions, class instances) replaces the target's value.
 *
 * @param {object} target
 * @param {object} source
 */
export function mergeDeep(target, source) {
  const out = { ...target };
  for (const [key, value] of Object.entries(source ?? {})) {
    if (key === '__proto__' || key === 'constructor') continue;
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeDeep(out[key], value) : value;
  }
  return out;
}
