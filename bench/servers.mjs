/**
 * The bench's servers, in a child process of their own so that the browser driver's work in the
 * parent never delays a provider response:
 *
 * - the static server (on `localhost`) serving the bench pages: `/warm/…` serves the apps' scripts
 *   as a CDN serves a versioned file (cacheable for a year, immutable), `/cold/…` the same files
 *   `no-store`; the pages themselves are always `no-store`;
 * - four local oidc-providers (on `127.0.0.1`) with each page registered as a redirect URI:
 *   `main` with the project's provider configuration (which, like oidc-provider's defaults,
 *   advertises DPoP), `plain` the same without DPoP, and `short` and `shortPeer`, like `main`
 *   with short-lived access tokens (8 seconds), for the many-tabs runs of <pkce-login> and of oidc-client-ts
 *   (one provider each, so that each one's refresh grants are counted apart).
 *
 * Every token grant is logged per provider (time, grant type, success); `GET /__bench/grants`
 * on the static server answers the logs as JSON (`{ short: [{ at, type, ok }], … }`).
 *
 * Started with `fork()` and the message `{ root, pages, shortTokenTtl }` (`pages`: the page
 * paths, e.g. `warm/floor.html`; `shortTokenTtl`: seconds); answers `{ origin, clientId, issuers: { main, plain, short, shortPeer } }`
 * once all listen, and closes them on `'close'` (or when the parent goes away).
 */
import { startProvider, DEFAULT_CLIENT_ID } from '../scripts/provider.mjs';
import { startStaticServer } from '../scripts/static-server.mjs';

/** A versioned file on a CDN (jsDelivr serves `npm/pkg@x.y.z/…` like this). */
const CDN_CACHING = { 'Cache-Control': 'public, max-age=31536000, immutable' };

process.once('message', async ({ root, pages, shortTokenTtl }) => {
  const grants = {};
  const site = await startStaticServer({
    host: 'localhost',
    port: 0,
    root,
    prefixes: ['/'],
    headers: (pathname) => (pathname.startsWith('/warm/') && pathname.endsWith('.js') ? CDN_CACHING : undefined),
    handle(req, res, pathname) {
      if (pathname !== '/__bench/grants') return false;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(grants));
      return true;
    },
  });
  const redirectUris = pages.map((page) => `${site.origin}/${page}`);
  const providers = {
    main: {},
    plain: { configOverrides: { features: { dPoP: { enabled: false } } } },
    short: { accessTokenTtl: shortTokenTtl },
    shortPeer: { accessTokenTtl: shortTokenTtl },
  };
  const started = {};
  for (const [name, options] of Object.entries(providers)) {
    const op = await startProvider({ host: '127.0.0.1', port: 0, redirectUris, ...options });
    const log = (grants[name] = []);
    op.provider.on('grant.success', (ctx) => log.push({ at: Date.now(), type: ctx.oidc.params.grant_type, ok: true }));
    op.provider.on('grant.error', (ctx, error) => log.push({
      at: Date.now(),
      type: ctx.oidc?.params?.grant_type,
      ok: false,
      error: error?.error ?? error?.message,
    }));
    started[name] = op;
  }
  const close = async () => {
    await Promise.all([...Object.values(started).map((op) => op.close()), site.close()]);
    process.exit(0);
  };
  process.on('message', (message) => { if (message === 'close') void close(); });
  process.on('disconnect', () => void close());
  process.send({
    origin: site.origin,
    clientId: DEFAULT_CLIENT_ID,
    issuers: Object.fromEntries(Object.entries(started).map(([name, op]) => [name, op.issuer])),
  });
});
