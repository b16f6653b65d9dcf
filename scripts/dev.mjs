/**
 * `npm run dev`: the demo site and the local provider of `npm start`, with the element rebuilt on
 * every change and the demo reloaded after it.
 *
 * - `tsc --watch` (tsconfig.build.json) keeps `dist/npm/` up to date with `src/`;
 * - rollup in watch mode bundles `dist/npm/` into `site/dist/pkce-login.js` at each change, as
 *   the CDN bundle but not minified (a second instead of several); the production bundle in
 *   `dist/` is left alone, and the demo page loads this one without an `integrity=` (it changes
 *   at every save);
 * - a change under `demo/` is copied into `site/demo/`;
 * - each rebuild or copy reloads the open demo pages (a server-sent event, from a script the dev
 *   server adds to the demo page: same origin, so the demo's CSP allows it).
 *
 * The framework examples build in the background, as with `npm start`, from `dist/npm/`.
 * Environment: DEMO_PORT, PROVIDER_PORT, as `npm start`.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, watch as watchFiles } from 'node:fs';
import path from 'node:path';
import { watch as watchBundle } from 'rollup';
import rollupConfig from '../rollup.config.mjs';
import { root, serveDemo, siteDir } from './start.mjs';

const RELOAD_SCRIPT = '/__dev/reload.js';
const EVENTS = '/__dev/events';

/** The open demo pages' event streams. */
const streams = new Set();

/** Tells every open demo page to reload. */
function reload(why) {
  console.log(`  ${new Date().toLocaleTimeString()}  ${why}: reloading ${streams.size} page(s)`);
  for (const res of streams) res.write(`event: reload\ndata: ${JSON.stringify(why)}\n\n`);
}

/** The dev server's own answers: the reload script, its event stream, and the demo page with the script. */
function handle(req, res, pathname) {
  if (pathname === RELOAD_SCRIPT) {
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.end(`// npm run dev: reloads this page when the element or the demo changes.
new EventSource(${JSON.stringify(EVENTS)}).addEventListener('reload', () => location.reload());
`);
    return true;
  }
  if (pathname === EVENTS) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write(': connected\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
    return true;
  }
  if (pathname === '/demo/' || pathname === '/demo/index.html') {
    const html = readFileSync(path.join(siteDir, 'demo', 'index.html'), 'utf8');
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(html.replace('</head>', `  <script type="module" src="${RELOAD_SCRIPT}"></script>\n  </head>`));
    return true;
  }
  return false;
}

let tsc;

/** Starts `tsc --watch`; resolves after its first compilation (errors are printed, not fatal). */
function startTsc() {
  return new Promise((resolve, reject) => {
    tsc = spawn(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    tsc.on('error', reject);
    tsc.on('exit', (code) => reject(new Error(`tsc --watch exited (${code})`)));
    let pending = '';
    tsc.stdout.setEncoding('utf8');
    tsc.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        // "… Found 0 errors. Watching for file changes.": once, the first build is there.
        if (/Watching for file changes/.test(line)) resolve();
        if (/error TS|Found [1-9]\d* error/.test(line)) console.error(`  tsc: ${line.trim()}`);
      }
    });
  });
}

let bundler;

/** Starts rollup in watch mode; resolves after its first bundle. */
function startRollup() {
  return new Promise((resolve, reject) => {
    bundler = watchBundle({
      ...rollupConfig,
      plugins: rollupConfig.plugins.filter((plugin) => plugin.name !== 'terser'),
      output: { ...rollupConfig.output, file: path.join(siteDir, 'dist', 'pkce-login.js') },
      watch: { clearScreen: false, buildDelay: 150 },
      // tsc's decorator helper reads `this` at the top level of a module (`npm run build` runs rollup --silent).
      onwarn: (warning, warn) => (warning.code === 'THIS_IS_UNDEFINED' ? undefined : warn(warning)),
    });
    let first = true;
    bundler.on('event', (event) => {
      if (event.code === 'BUNDLE_END') {
        void event.result.close();
        if (first) {
          first = false;
          resolve();
        } else {
          reload(`element rebuilt in ${event.duration} ms`);
        }
      } else if (event.code === 'ERROR') {
        void event.result?.close();
        console.error(`  rollup: ${event.error?.message ?? event.error}`);
        if (first) reject(event.error);
      }
    });
  });
}

/** Copies each changed file of `demo/` into `site/demo/`, then reloads. */
function watchDemo() {
  let timer;
  const changed = new Set();
  return watchFiles(path.join(root, 'demo'), (_, name) => {
    if (!name) return;
    changed.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => {
      for (const file of changed) {
        try {
          copyFileSync(path.join(root, 'demo', file), path.join(siteDir, 'demo', file));
        } catch {
          // removed, or an editor's temporary file
        }
      }
      reload(`demo/${[...changed].join(', demo/')} changed`);
      changed.clear();
    }, 100);
  });
}

let demoWatcher;

serveDemo({
  title: '<pkce-login> dev server is running (the element rebuilds on change)',
  prepare: startTsc,
  bundle: false,
  prepared: async () => {
    await startRollup();
    demoWatcher = watchDemo();
  },
  handle,
  stop: async () => {
    tsc?.kill();
    demoWatcher?.close();
    for (const res of streams) res.end();
    await bundler?.close();
  },
}).catch((error) => {
  tsc?.kill();
  void bundler?.close();
  console.error(`Could not start the dev server: ${error?.message ?? error}`);
  process.exit(1);
});
