/**
 * The bench's servers, in a child process of their own so that the browser driver's work in the
 * parent never delays a provider response: the static server (on `localhost`) serving the bench
 * pages, and two local oidc-providers (on `127.0.0.1`) with each page registered as a redirect
 * URI: `main` with the project's provider configuration (which, like oidc-provider's defaults,
 * advertises DPoP), and `plain`, the same without DPoP.
 *
 * Started with `fork()` and the message `{ root, pages, cache }` (`cache`: `cdn` serves scripts
 * as cacheable for a year, `none` as `no-store`); answers
 * `{ origin, clientId, issuers: { main, plain } }` once all listen, and closes them on `'close'`
 * (or when the parent goes away).
 */
import { startProvider, DEFAULT_CLIENT_ID } from '../scripts/provider.mjs';
import { startStaticServer } from '../scripts/static-server.mjs';

/** A versioned file on a CDN (jsDelivr serves `npm/pkg@x.y.z/…` like this). */
const CDN_CACHING = { 'Cache-Control': 'public, max-age=31536000, immutable' };

process.once('message', async ({ root, pages, cache }) => {
  const site = await startStaticServer({
    host: 'localhost',
    port: 0,
    root,
    prefixes: ['/'],
    headers: (pathname) => (cache === 'cdn' && pathname.endsWith('.js') ? CDN_CACHING : undefined),
  });
  const redirectUris = pages.map((page) => `${site.origin}/${page}`);
  const main = await startProvider({ host: '127.0.0.1', port: 0, redirectUris });
  const plain = await startProvider({
    host: '127.0.0.1',
    port: 0,
    redirectUris,
    configOverrides: { features: { dPoP: { enabled: false } } },
  });
  const close = async () => {
    await Promise.all([main.close(), plain.close(), site.close()]);
    process.exit(0);
  };
  process.on('message', (message) => { if (message === 'close') void close(); });
  process.on('disconnect', () => void close());
  process.send({ origin: site.origin, clientId: DEFAULT_CLIENT_ID, issuers: { main: main.issuer, plain: plain.issuer } });
});
