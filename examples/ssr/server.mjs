/**
 * `<pkce-login>` rendered on the server: a tiny Node server that renders a page with the element
 * through @lit-labs/ssr (the element's shadow DOM as declarative shadow DOM, so the Log in button
 * is in the first paint), and serves the browser script that hydrates it.
 *
 *   npm run build && node examples/ssr/server.mjs [--issuer URL] [--client-id ID] [--port N]
 *
 * Port 8403 on 127.0.0.1 (a free one when taken). With `--issuer`, register the page's address
 * (`http://127.0.0.1:<port>/`) as a redirect URI at your provider. Without it, the repository's
 * local provider (scripts/provider.mjs, any login and password) starts too, on a free port, with
 * the page registered, and client `pkce-login-demo`.
 *
 * - The server imports the npm build (`pkce-login/pkce-login.js`, lit's `node` build): the tag is
 *   defined in lit's server-side registry, and `render()` renders it.
 * - The browser loads `/client.js`: `@lit-labs/ssr-client/lit-element-hydrate-support.js`, then
 *   the element (see client.js), bundled here with esbuild at start-up so that the bare
 *   specifiers resolve. A framework's bundler (Next.js, Astro, Eleventy plugins) does the same.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { render } from '@lit-labs/ssr';
import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
import { html } from 'lit';
import 'pkce-login/pkce-login.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The element's part of the page, rendered by lit: host, declarative shadow root, styles. */
const loginTemplate = ({ issuer, clientId }) =>
  html`<pkce-login issuer=${issuer} client-id=${clientId}></pkce-login>`;

/**
 * The whole page. Everything but the element is a plain string; attribute values are escaped by
 * lit.
 *
 * @param {{ issuer: string, clientId: string }} settings
 * @returns {Promise<string>}
 */
export async function renderPage(settings) {
  const element = await collectResult(render(loginTemplate(settings)));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pkce-login: server rendered</title>
<script type="module" src="/client.js"></script>
</head>
<body>
<header>
<h1>Server-rendered page</h1>
${element}
</header>
<p>The Log in button above was rendered on the server, and hydrated by <code>/client.js</code>.</p>
</body>
</html>
`;
}

/**
 * Bundles client.js for the browser (ES module, lit's production build), in memory.
 *
 * @returns {Promise<string>}
 */
export async function bundleClient() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(here, 'client.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/**
 * Starts the example server on loopback.
 *
 * @param {object} options
 * @param {string | (() => string)} options.issuer the provider, or a function read at each request
 *   (a test that registers this server's address at a provider started after it)
 * @param {string} options.clientId
 * @param {string} [options.host='127.0.0.1']
 * @param {number} [options.port=0] 0 picks a free port
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function startSsrExample({ issuer, clientId, host = '127.0.0.1', port = 0 }) {
  const client = await bundleClient();
  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://host');
    res.setHeader('Cache-Control', 'no-store');
    try {
      if (pathname === '/') {
        // The same page for the provider's redirect back (`?code=…&state=…`): the element
        // hydrates, then completes the login in the browser.
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(await renderPage({ issuer: typeof issuer === 'function' ? issuer() : issuer, clientId }));
      } else if (pathname === '/client.js') {
        res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
        res.end(client);
      } else {
        res.statusCode = 404;
        res.end('Not Found\n');
      }
    } catch (error) {
      res.statusCode = 500;
      res.end(`${error}\n`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  let closed;
  const close = () => {
    closed ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return { origin, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      issuer: { type: 'string' },
      'client-id': { type: 'string', default: 'pkce-login-demo' },
      port: { type: 'string', default: '8403' },
    },
  });
  let op;
  const settings = { issuer: values.issuer ?? (() => op.issuer), clientId: values['client-id'] };
  const example = await startSsrExample({ ...settings, port: Number(values.port) }).catch((error) => {
    if (error?.code !== 'EADDRINUSE') throw error;
    return startSsrExample({ ...settings, port: 0 });
  });
  if (!values.issuer) {
    const { startProvider } = await import('../../scripts/provider.mjs');
    op = await startProvider({ redirectUris: [`${example.origin}/`] });
  }
  console.log(`server-rendered example: ${example.origin}/ (issuer ${values.issuer ?? op.issuer}, client ${settings.clientId})`);
  process.once('SIGINT', () => void Promise.all([example.close(), op?.close()]).then(() => process.exit(0)));
}
