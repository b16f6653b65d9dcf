/**
 * A plain static file server for tests, like any static host or CDN: every file below `root`,
 * `index.html` for a folder, no allow-list, no rewrites. Loopback only.
 */
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * @param {object} options
 * @param {string} options.root folder to serve
 * @param {string} [options.host='127.0.0.1'] loopback address to listen on
 * @param {Record<string, string>} [options.headers] extra headers on every response (e.g. CORS)
 * @param {Record<string, string>} [options.pages] extra in-memory HTML pages by URL path
 * @returns {Promise<{ origin: string, requests: string[], close: () => Promise<void> }>}
 */
export async function startPlainServer({ root, host = '127.0.0.1', headers = {}, pages = {} }) {
  const base = path.resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    requests.push(url.pathname);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    if (pages[url.pathname] !== undefined) {
      res.setHeader('Content-Type', TYPES['.html']);
      res.end(pages[url.pathname]);
      return;
    }
    let file = path.join(base, decodeURIComponent(url.pathname));
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end('Not Found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    origin: `http://${urlHost}:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
