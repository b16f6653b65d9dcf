/**
 * A small static file server for the demo and the end-to-end test pages.
 *
 * Serves only files below `demo/`, `dist/` and `test/e2e/pages/` of the repository (or the
 * `prefixes` given), on loopback, without caching.
 */
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { listen } from './listen.mjs';

/** URL path prefixes that may be served; everything else is 404. */
export const SERVED_PREFIXES = ['/demo/', '/dist/', '/test/e2e/pages/'];

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * Starts the static server.
 *
 * @param {object} options
 * @param {string} [options.host='localhost'] loopback host name; the origin uses it
 * @param {number} [options.port=0] port; 0 picks a free one
 * @param {string} options.root the repository root (or another folder to serve)
 * @param {string[]} [options.prefixes=SERVED_PREFIXES] URL path prefixes that may be served
 *   (`['/']`: everything below `root`)
 * @param {Record<string, Record<string, string>> | ((pathname: string) => Record<string, string> | undefined)} [options.headers]
 *   extra response headers: an object keyed by URL path (e.g.
 *   `{ '/test/e2e/pages/csp.html': { 'Content-Security-Policy': "script-src 'self'" } }`)
 *   or a function of the URL path
 * @param {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, pathname: string) => boolean | Promise<boolean>} [options.handle]
 *   answers a request itself when it returns true (after the loopback Host check, before any
 *   file is looked up): `npm start` and `npm run dev` use it for pages still building and for
 *   live reload
 * @returns {Promise<{ origin: string, port: number, close: () => Promise<void> }>}
 */
export async function startStaticServer({ host = 'localhost', port = 0, root, headers, prefixes = SERVED_PREFIXES, handle } = {}) {
  if (!root) throw new Error('startStaticServer: `root` is required');
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new Error(`startStaticServer: host must be a loopback name, got ${host}`);
  }
  const rootDir = await realpath(path.resolve(root));
  const extraHeaders = typeof headers === 'function'
    ? headers
    : (pathname) => headers?.[pathname];

  const handler = (req, res) => {
    serve(req, res, rootDir, extraHeaders, prefixes, handle).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  };

  const servers = [];
  const bare = host.replace(/^\[|\]$/g, '');
  const primary = createServer(handler);
  await listen(primary, port, bare === 'localhost' ? '127.0.0.1' : bare);
  servers.push(primary);
  const actualPort = primary.address().port;

  if (bare === 'localhost') {
    // `localhost` may resolve to ::1 in the browser: answer there too when IPv6 is available.
    const secondary = createServer(handler);
    try {
      await listen(secondary, actualPort, '::1');
      servers.push(secondary);
    } catch {
      // no IPv6 loopback here
    }
  }

  const urlHost = bare.includes(':') ? `[${bare}]` : bare;
  const origin = `http://${urlHost}:${actualPort}`;

  let closed;
  const close = () => {
    closed ??= Promise.all(servers.map((server) => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }))).then(() => undefined);
    return closed;
  };

  return { origin, port: actualPort, close };
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} rootDir
 * @param {(pathname: string) => Record<string, string> | undefined} extraHeaders
 * @param {string[]} prefixes
 * @param {((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, pathname: string) => boolean | Promise<boolean>) | undefined} handle
 */
async function serve(req, res, rootDir, extraHeaders, prefixes, handle) {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');

  if (!isLoopbackHostHeader(req.headers.host)) {
    send(res, 421, 'Misdirected Request');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'Method Not Allowed');
    return;
  }

  const url = new URL(`http://localhost${req.url?.startsWith('/') ? req.url : '/'}`);
  let pathname;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    send(res, 400, 'Bad Request');
    return;
  }
  if (handle && (await handle(req, res, pathname))) return;

  if (pathname === '/') {
    redirect(res, `/demo/${url.search}`);
    return;
  }
  if (pathname.includes('\0') || pathname.includes('\\')
      || pathname.split('/').some((segment) => segment === '..' || segment === '.')) {
    send(res, 404, 'Not Found');
    return;
  }
  const withSlash = pathname.endsWith('/') ? pathname : `${pathname}/`;
  if (!prefixes.some((prefix) => withSlash.startsWith(prefix))) {
    send(res, 404, 'Not Found');
    return;
  }

  let file = path.join(rootDir, ...pathname.split('/').filter(Boolean));
  let info = await statOrNull(file);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      redirect(res, `${url.pathname}/${url.search}`);
      return;
    }
    file = path.join(file, 'index.html');
    info = await statOrNull(file);
  }
  if (!info?.isFile()) {
    send(res, 404, 'Not Found');
    return;
  }

  // Symbolic links must not lead outside the served directories.
  const real = await realpath(file);
  const inside = path.relative(rootDir, real);
  const relative = `/${inside.split(path.sep).join('/')}`;
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)
      || !prefixes.some((prefix) => relative.startsWith(prefix))) {
    send(res, 404, 'Not Found');
    return;
  }

  const type = CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', String(info.size));
  for (const [name, value] of Object.entries(extraHeaders(pathname) ?? {})) {
    res.setHeader(name, value);
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise((resolve, reject) => {
    const stream = createReadStream(real);
    stream.on('error', reject);
    res.on('close', resolve);
    stream.pipe(res);
  });
}

function isLoopbackHostHeader(hostHeader) {
  if (!hostHeader) return false;
  const name = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d+$/, '');
  return LOOPBACK_HOSTS.has(name.toLowerCase());
}

async function statOrNull(file) {
  try {
    return await stat(file);
  } catch {
    return null;
  }
}

function redirect(res, location) {
  res.statusCode = 302;
  res.setHeader('Location', location);
  res.end();
}

function send(res, status, text) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`${text}\n`);
}

