/**
 * `npm start`: builds the element, then serves the demo site (`site/`: the demo, the bundle, the
 * docs) and runs a local OpenID Provider for it, and prints how long that took ("demo ready in
 * N s", from the start of this process). The framework examples build after that, in the
 * background, one at a time: until an example is built, its pages answer "building…" (HTTP 503,
 * reloading every few seconds) and the demo's link to it says so. An example, or the element,
 * already built from the current sources is not built again.
 *
 * `npm run dev` (scripts/dev.mjs) serves the same site from the same functions, with watchers.
 *
 * It also runs two loopback APIs for the demo's "Calling your APIs" panel (scripts/resource-api.mjs;
 * the provider gets the resource indicators and acr values they need) and answers
 * `/demo/apis.json` with the element's `apis` for them.
 *
 * Environment: DEMO_PORT (default 8400), PROVIDER_PORT (default 8401), API_PORTS (default
 * 8402,8403); a busy port is replaced by a free one.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSite, copyExample, EXAMPLES } from './build-site.mjs';
import { startStaticServer } from './static-server.mjs';
import { startProvider, DEFAULT_CLIENT_ID } from './provider.mjs';
import { assignDemoAcr, demoProviderOverrides, startDemoApis } from './resource-api.mjs';

const DEFAULT_DEMO_PORT = 8400;
const DEFAULT_PROVIDER_PORT = 8401;
const DEFAULT_API_PORTS = [8402, 8403];
const DEFAULT_ISSUER = `http://127.0.0.1:${DEFAULT_PROVIDER_PORT}`;

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const siteDir = path.join(root, 'site');
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

/** Child processes running now (builds), ended when the demo stops. */
const children = new Set();

/**
 * Runs `node <script> …args` from the repository root. Resolves when it exits with 0; rejects
 * with its output otherwise.
 *
 * @param {string} script a path from the repository root
 * @param {string[]} [args]
 * @returns {Promise<void>}
 */
export function runNode(script, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, script), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, so that stopping ends the tools it runs too (vite, ng).
      detached: true,
    });
    children.add(child);
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${script} ${args.join(' ')} failed (${signal ?? `exit ${code}`})\n${output.trim()}`));
    });
  });
}

/** Ends the builds still running, with the tools they run. */
export function stopChildren() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill();
    }
  }
}

/** Modification time of a file (ms), 0 when it is missing. */
function mtime(file) {
  try {
    return statSync(path.join(root, file)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The newest modification time (ms) of the files at or under `paths`, outside build output. */
export function newest(paths) {
  const skip = new Set(['node_modules', 'dist', '.angular']);
  let latest = 0;
  const visit = (file) => {
    let info;
    try {
      info = statSync(file);
    } catch {
      return;
    }
    if (!info.isDirectory()) {
      latest = Math.max(latest, info.mtimeMs);
      return;
    }
    for (const entry of readdirSync(file)) if (!skip.has(entry)) visit(path.join(file, entry));
  };
  for (const file of paths) visit(path.join(root, file));
  return latest;
}

/** What the bundle and the npm build are made of. */
const ELEMENT_SOURCES = ['src', 'package.json', 'package-lock.json', 'rollup.config.mjs', 'tsconfig.json', 'tsconfig.build.json'];

/**
 * Builds what the demo and the examples need, as `npm run build` does but for the
 * custom-elements manifest: `dist/npm/` (tsc), `dist/pkce-login.js` (rollup) and
 * `dist/integrity.json`. Nothing is done when `dist/` is newer than every source.
 *
 * @returns {Promise<boolean>} whether it built
 */
export async function buildElement() {
  if (mtime('dist/integrity.json') > newest(ELEMENT_SOURCES)) return false;
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  await runNode('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
  await runNode('node_modules/rollup/dist/bin/rollup', ['-c', 'rollup.config.mjs', '--silent']);
  await runNode('scripts/sri.mjs', ['--quiet']);
  return true;
}

/** Whether `examples/<name>/dist/` was built after every source of the example changed. */
function exampleIsFresh(name) {
  return mtime(`examples/${name}/dist/index.html`) > newest([...ELEMENT_SOURCES, `examples/${name}`]);
}

/**
 * Answers `/examples/status.json` with the state of each example (`building`, `ready` or
 * `failed`), which the demo polls to label its links; and the pages of an example that is not on
 * the site yet: "building…" (503, reloading) while it builds, "failed" (500) when its build failed.
 *
 * @param {Map<string, 'building' | 'ready' | 'failed'>} examples
 */
export function examplePages(examples) {
  return (req, res, pathname) => {
    if (pathname === '/examples/status.json') {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(`${JSON.stringify(Object.fromEntries(examples))}\n`);
      return true;
    }
    const name = /^\/examples\/([^/]+)(\/|$)/.exec(pathname)?.[1];
    const state = name && examples.get(name);
    if (!state || state === 'ready') return false;
    const building = state === 'building';
    res.statusCode = building ? 503 : 500;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('X-Example-Status', state);
    if (building) res.setHeader('Retry-After', '3');
    const text = building
      ? `The ${name} example is building: this page reloads until it is ready.`
      : `The ${name} example failed to build: the terminal running npm start says why.`;
    res.end(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    ${building ? '<meta http-equiv="refresh" content="3">' : ''}
    <title>${name} example: ${building ? 'building…' : 'build failed'}</title>
    <link rel="icon" href="data:,">
  </head>
  <body>
    <p>${text}</p>
    <p><a href="../../demo/">Back to the demo</a></p>
  </body>
</html>
`);
    return true;
  };
}

/**
 * Builds the examples in `names` one after the other (on two cores, side by side took longer),
 * each copied onto the site as soon as it is built.
 *
 * @param {string[]} names
 * @param {Map<string, 'building' | 'ready' | 'failed'>} examples
 * @param {string} origin
 */
async function buildExamples(names, examples, origin) {
  for (const name of names) {
    const started = performance.now();
    try {
      await runNode('scripts/build-examples.mjs', [name]);
      copyExample(name);
      examples.set(name, 'ready');
      console.log(`  examples/${name} built in ${seconds(performance.now() - started)} s: ${origin}/examples/${name}/`);
    } catch (error) {
      if (stopping) return;
      examples.set(name, 'failed');
      console.error(`  examples/${name} failed to build:\n${String(error?.message ?? error).replace(/^/gm, '    ')}`);
    }
  }
}

const seconds = (ms) => (ms / 1000).toFixed(1);

let stopping = false;

/**
 * Builds and serves the demo site with the local provider, prints where to go and how long it
 * took, then builds the stale examples in the background; stops on Ctrl-C.
 *
 * @param {object} options
 * @param {() => Promise<unknown>} options.prepare builds the element (before the site is written)
 * @param {boolean} [options.bundle=true] the site takes the bundle from `dist/` (else `prepared`
 *   writes one into `site/dist/`)
 * @param {() => Promise<unknown>} [options.prepared] runs once the site is written, before it is
 *   announced
 * @param {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, pathname: string) => boolean | Promise<boolean>} [options.handle]
 *   answers some requests itself (see startStaticServer)
 * @param {() => Promise<unknown>} [options.stop] runs on Ctrl-C
 * @param {string} [options.title] the banner's first line
 */
export async function serveDemo({ prepare, bundle = true, prepared, handle, stop: stopMore, title = '<pkce-login> demo is running' }) {
  const demoPort = portFromEnv(process.env.DEMO_PORT, DEFAULT_DEMO_PORT);
  const providerPort = portFromEnv(process.env.PROVIDER_PORT, DEFAULT_PROVIDER_PORT);

  /** @type {Map<string, 'building' | 'ready' | 'failed'>} */
  const examples = new Map(EXAMPLES.map((name) => [name, 'building']));
  const examplePage = examplePages(examples);
  /** The demo's `apis` (scripts/resource-api.mjs), once its APIs run. */
  let demoApis;
  const apisPage = (req, res, pathname) => {
    if (pathname !== '/demo/apis.json' || !demoApis) return false;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(`${JSON.stringify(demoApis.config)}\n`);
    return true;
  };
  mkdirSync(siteDir, { recursive: true });
  const site = await onPortOrFree(demoPort, (port) => startStaticServer({
    host: 'localhost',
    port,
    root: siteDir,
    prefixes: ['/'],
    handle: async (req, res, pathname) => (await handle?.(req, res, pathname)) || apisPage(req, res, pathname) || examplePage(req, res, pathname),
  }));
  const redirectUri = `${site.origin}/demo/`;
  const redirectUris = SIGN_IN_PAGES.map((page) => `${site.origin}${page}`);
  const providerOverrides = await demoProviderOverrides();
  // The provider starts while the element builds.
  const [provider, built] = await Promise.allSettled([
    onPortOrFree(providerPort, (port) => startProvider({
      host: '127.0.0.1',
      port,
      redirectUris,
      postLogoutRedirectUris: redirectUris,
      configOverrides: providerOverrides,
    })),
    prepare(),
  ]);
  const op = provider.status === 'fulfilled' ? provider.value : undefined;
  try {
    if (provider.status === 'rejected') throw provider.reason;
    if (built.status === 'rejected') throw built.reason;
    assignDemoAcr(op.provider);
    const apiPorts = (process.env.API_PORTS || DEFAULT_API_PORTS.join(',')).split(',').map((port, i) => portFromEnv(port, DEFAULT_API_PORTS[i]));
    demoApis = await startDemoApis({ allowOrigin: site.origin, issuer: op.issuer, jwksUri: `${op.issuer}/jwks`, ports: apiPorts });
    buildSite({ examples: false, bundle });
    await prepared?.();
  } catch (error) {
    await Promise.allSettled([op?.close(), site.close(), demoApis?.close()]);
    throw error;
  }
  const stale = EXAMPLES.filter((name) => {
    if (!exampleIsFresh(name)) return true;
    copyExample(name);
    examples.set(name, 'ready');
    return false;
  });
  const readyIn = seconds(performance.now());

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
    `  ${title}: demo ready in ${readyIn} s`,
    '',
    `  Open        ${demoUrl}`,
    `  Examples    ${site.origin}/examples/react/, …/vue/, …/angular/ (linked from the demo)${stale.length ? `: building ${stale.join(', ')} now, in the background` : ''}`,
    `  Provider    ${op.issuer}  (client id ${DEFAULT_CLIENT_ID})`,
    `  APIs        ${Object.keys(demoApis.config.apis).join(', ')}  (the demo's "Calling your APIs")`,
    '  Sign in with any login and any password.',
    ...moved,
    '',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n'));

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\n  Stopping…');
    stopChildren();
    await Promise.allSettled([op.close(), site.close(), demoApis.close(), stopMore?.()]);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  void buildExamples(stale, examples, site.origin);
  return { site, op, examples };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  serveDemo({ prepare: buildElement }).catch((error) => {
    stopChildren();
    console.error(`Could not start the demo: ${error?.message ?? error}`);
    process.exit(1);
  });
}
