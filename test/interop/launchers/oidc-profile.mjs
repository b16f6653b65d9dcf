/**
 * Cloud quirk profiles: node oidc-provider (scripts/provider.mjs, its development login pages
 * and accounts) made to behave like a cloud service where it matters to the element, through
 * `configOverrides`, plus what oidc-provider cannot be configured to do, done by a small front
 * server: an issuer with a path (`/realms/x`, `/<tenant>/v2.0`, a trailing `/`), a discovery
 * document with an endpoint left out, and extra routes (Cognito's `/logout`).
 */
import { createServer } from 'node:http';
import { listen } from '../../../scripts/listen.mjs';
import { startProvider, DEFAULT_CLIENT_ID } from '../../../scripts/provider.mjs';
import { requirePackages } from '../helpers.mjs';

export { DEFAULT_CLIENT_ID };

/**
 * @typedef {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse,
 *   profile: { issuer: string, origin: string, url: URL, forward: (path: string) => void }) => void | Promise<void>} Route
 */

/**
 * Starts a profile on `http://127.0.0.1:<free port>`.
 *
 * @param {object} options
 * @param {string} options.redirectUri the app's redirect (and post-logout redirect) URI
 * @param {number} options.accessTokenTtl seconds
 * @param {string} [options.issuerPath=''] path of the issuer (`/realms/x`, `/` for a trailing slash);
 *   oidc-provider's routes are mounted below it
 * @param {object} [options.configOverrides] oidc-provider configuration over scripts/provider.mjs's
 * @param {object[]} [options.clients] client metadata, in place of the default public client
 * @param {(metadata: Record<string, any>) => Record<string, any>} [options.discovery] changes the
 *   discovery document
 * @param {Record<string, Route>} [options.routes] extra routes, keyed `METHOD /path`
 */
export async function startOidcProfile(options) {
  await requirePackages(['oidc-provider']);
  const { redirectUri, accessTokenTtl, issuerPath = '', configOverrides, clients, discovery, routes = {} } = options;
  const op = await startProvider({
    host: '127.0.0.1',
    port: 0,
    redirectUris: [redirectUri],
    accessTokenTtl,
    configOverrides,
    clients,
  });
  const mount = issuerPath.replace(/\/$/, '');
  const front = createServer();
  try {
    await listen(front, 0, '127.0.0.1');
  } catch (error) {
    await op.close();
    throw error;
  }
  const origin = `http://127.0.0.1:${front.address().port}`;
  const issuer = `${origin}${issuerPath}`;
  // oidc-provider reads `issuer` at each request (discovery, `iss` of tokens and responses); the
  // server startProvider started stays unused.
  op.provider.issuer = issuer;
  const callback = op.provider.callback();
  const discoveryPath = `${mount}/.well-known/openid-configuration`;

  /** Hands a request to oidc-provider as if it were mounted at the issuer's path. */
  const forward = (req, res, url = req.url) => {
    const local = mount && (url === mount || url.startsWith(`${mount}/`) || url.startsWith(`${mount}?`))
      ? url.slice(mount.length) || '/'
      : url;
    req.url = local;
    // Express's convention, which oidc-provider reads to build its URLs below the mount path;
    // development interaction pages stay at /interaction/… and resume below the mount path.
    if (mount) req.originalUrl = `${mount}${local}`;
    callback(req, res);
  };

  front.on('request', (req, res) => {
    const url = new URL(req.url, origin);
    const route = routes[`${req.method} ${url.pathname}`];
    const done = (error) => {
      if (!error) return;
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(String(error?.stack ?? error));
      } else {
        res.destroy();
      }
    };
    if (route) {
      Promise.resolve(route(req, res, { issuer, origin, url, forward: (path) => forward(req, res, path) })).then(() => done(), done);
    } else if (discovery && url.pathname === discoveryPath && req.method === 'GET' && !req.headers['x-interop-raw']) {
      serveDiscovery(req, res, `${origin}${discoveryPath}`, discovery).then(() => done(), done);
    } else {
      forward(req, res);
    }
  });

  let closed;
  const close = () => (closed ??= Promise.all([
    new Promise((resolve) => {
      front.close(() => resolve());
      front.closeAllConnections();
    }),
    op.close(),
  ]).then(() => undefined));

  return { issuer, origin, provider: op.provider, close };
}

/** Serves oidc-provider's discovery document as `change` leaves it, with its CORS headers. */
async function serveDiscovery(req, res, href, change) {
  const headers = { 'x-interop-raw': '1' };
  if (req.headers.origin) headers.origin = req.headers.origin;
  const response = await fetch(href, { headers });
  const body = JSON.stringify(change(await response.json()));
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name.startsWith('access-control-') || name === 'vary' || name === 'content-type') res.setHeader(name, value);
  }
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Reads a request's form body.
 *
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<{ raw: Buffer, form: URLSearchParams }>}
 */
export async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  return { raw, form: new URLSearchParams(raw.toString('utf8')) };
}

/** A copy of `metadata` without `names`. */
export function without(...names) {
  return (metadata) => Object.fromEntries(Object.entries(metadata).filter(([name]) => !names.includes(name)));
}

/** The profiles' user: the login `ada` at the development login page. */
export const USER = { login: 'ada', sub: 'ada', name: 'Ada Lovelace', email: 'ada@example.test' };

/** Accounts for `configOverrides.findAccount`: the name and e-mail differ from the login. */
export async function findAccount(ctx, id) {
  return {
    accountId: id,
    async claims() {
      return id === USER.login
        ? { sub: USER.sub, name: USER.name, email: USER.email, email_verified: true }
        : { sub: id, name: id };
    },
  };
}
