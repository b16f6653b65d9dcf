/**
 * `npm start`: serves the demo site (`site/`, from `npm run build:demo`: the demo, the bundle and
 * the framework examples) and runs a local OpenID Provider for it.
 *
 * Environment: DEMO_PORT (default 8400) and PROVIDER_PORT (default 8401); a busy port is
 * replaced by a free one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer } from './static-server.mjs';
import { startProvider, DEFAULT_CLIENT_ID } from './provider.mjs';

const DEFAULT_DEMO_PORT = 8400;
const DEFAULT_PROVIDER_PORT = 8401;
const DEFAULT_ISSUER = `http://127.0.0.1:${DEFAULT_PROVIDER_PORT}`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const siteDir = path.join(root, 'site');
/** The site's pages that sign in: each is a redirect URI of the local provider's client. */
const SIGN_IN_PAGES = ['/demo/', '/examples/react/', '/examples/vue/', '/examples/angular/'];

/**
 * Runs `start(port)`, and `start(0)` (a free port) when the wanted one is taken.
 *
 * @template T
 * @param {number} port
 * @param {(port: number) => Promise<T>} start
 * @returns {Promise<T>}
 */
async function onPortOrFree(port, start) {
  try {
    return await start(port);
  } catch (error) {
    if (error?.code !== 'EADDRINUSE' || port === 0) throw error;
    return start(0);
  }
}

/** @param {string | undefined} value @param {number} fallback */
function portFromEnv(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port: ${value}`);
  }
  return port;
}

/**
 * Starts the demo server and the provider, prints where to go, and stops on Ctrl-C.
 */
async function main() {
  const demoPort = portFromEnv(process.env.DEMO_PORT, DEFAULT_DEMO_PORT);
  const providerPort = portFromEnv(process.env.PROVIDER_PORT, DEFAULT_PROVIDER_PORT);

  if (!existsSync(path.join(siteDir, 'demo', 'index.html'))) {
    throw new Error('site/ is not built: run `npm run build:demo` (or `npm start`, which does)');
  }
  const site = await onPortOrFree(
    demoPort,
    (port) => startStaticServer({ host: 'localhost', port, root: siteDir, prefixes: ['/'] }),
  );
  const redirectUri = `${site.origin}/demo/`;
  const redirectUris = SIGN_IN_PAGES.map((page) => `${site.origin}${page}`);
  let op;
  try {
    op = await onPortOrFree(providerPort, (port) => startProvider({
      host: '127.0.0.1',
      port,
      redirectUris,
      postLogoutRedirectUris: redirectUris,
    }));
  } catch (error) {
    await site.close();
    throw error;
  }

  const readable = (value) => encodeURIComponent(value).replace(/%3A/g, ':').replace(/%2F/g, '/');
  const demoUrl = op.issuer === DEFAULT_ISSUER
    ? redirectUri
    : `${redirectUri}?issuer=${readable(op.issuer)}&client_id=${readable(DEFAULT_CLIENT_ID)}`;

  const moved = [
    demoPort && site.port !== demoPort ? `  (port ${demoPort} was busy; the demo is on ${site.port})` : '',
    providerPort && op.port !== providerPort ? `  (port ${providerPort} was busy; the provider is on ${op.port})` : '',
  ].filter(Boolean);

  console.log([
    '',
    '  <pkce-login> demo is running',
    '',
    `  Open        ${demoUrl}`,
    `  Examples    ${site.origin}/examples/react/, …/vue/, …/angular/ (linked from the demo)`,
    `  Provider    ${op.issuer}  (client id ${DEFAULT_CLIENT_ID})`,
    '  Sign in with any login and any password.',
    ...moved,
    '',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n'));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\n  Stopping…');
    await Promise.allSettled([op.close(), site.close()]);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(`Could not start the demo: ${error?.message ?? error}`);
  process.exit(1);
});
