/**
 * A node `http` server on loopback for a provider written as a fetch handler
 * (`(request: Request) => Response`): better-auth, OpenAuth (Hono).
 */
import { createServer } from 'node:http';
import { listen } from '../../../scripts/listen.mjs';

/**
 * Starts `http://127.0.0.1:<free port>`; `handler` is set once the origin is known, since the
 * providers need their own URL to be built.
 *
 * @returns {Promise<{ origin: string, port: number, handle: (handler: (request: Request) => Promise<Response> | Response) => void, close: () => Promise<void> }>}
 */
export async function startFetchServer({ host = '127.0.0.1' } = {}) {
  let handler = () => new Response('starting', { status: 503 });
  const server = createServer((req, res) => {
    serve(req, res, handler).catch((error) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(String(error?.stack ?? error));
      } else {
        res.destroy();
      }
    });
  });
  await listen(server, 0, host);
  const { port } = server.address();
  const origin = `http://${host}:${port}`;
  let closed;
  return {
    origin,
    port,
    handle: (next) => { handler = next; },
    close: () => (closed ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}

async function serve(req, res, handler) {
  const url = `http://${req.headers.host}${req.url}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const chunks = [];
  if (hasBody) for await (const chunk of req) chunks.push(chunk);
  const request = new Request(url, {
    method: req.method,
    headers,
    body: hasBody && chunks.length ? Buffer.concat(chunks) : undefined,
  });
  const response = await handler(request);
  res.statusCode = response.status;
  const setCookies = response.headers.getSetCookie?.() ?? [];
  for (const [name, value] of response.headers) {
    if (name.toLowerCase() === 'set-cookie') continue;
    res.setHeader(name, value);
  }
  if (setCookies.length) res.setHeader('set-cookie', setCookies);
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : null;
  res.end(body);
}
