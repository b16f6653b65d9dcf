// `npm start` and `npm run dev` (issue 14, item 5). Run by `npm run test:examples`, after the
// element, the examples and site/ are built, so that `npm start` has nothing to build: it serves
// at once, says "demo ready in N s", and its examples are there. The demo labels an example that
// is still building ("building…", from examples/status.json, which npm start answers live), and
// the examples' pages answer 503 until then. `npm run dev` serves the demo with a reload script,
// and reloads it when the element is rebuilt or a demo file changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSite } from '../../scripts/build-site.mjs';
import { examplePages } from '../../scripts/start.mjs';
import { launchBrowser, poll, LOGIN_BUTTON } from '../e2e/harness.mjs';
import { startPlainServer } from '../e2e/plain-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let browser;
before(async () => {
  browser = await launchBrowser();
});
// npm start writes site/ without examples/status.json (it answers it live), npm run dev with a
// development bundle: put back the site npm run build:site writes.
after(async () => {
  await browser?.close();
  buildSite();
});

/**
 * Runs `node <script>` with free ports; resolves once it printed its banner, with the demo's
 * address and the whole output so far. `stop()` sends Ctrl-C and resolves with the exit code.
 */
async function launch(script, t) {
  const child = spawn(process.execPath, [path.join(root, script)], {
    cwd: root,
    env: { ...process.env, DEMO_PORT: '0', PROVIDER_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    return exited;
  };
  t.after(stop);
  await poll(() => /Open\s+http/.test(output) || child.exitCode !== null, { timeout: 60_000, describe: () => output });
  const demoUrl = /Open\s+(http\S+)/.exec(output)?.[1];
  assert.ok(demoUrl, output);
  return { demoUrl, output: () => output, stop };
}

test('npm start with everything built: demo ready at once, the provider answers, every example is ready', { timeout: 90_000 }, async (t) => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.start, 'node scripts/start.mjs');
  const started = Date.now();
  const { demoUrl, output, stop } = await launch('scripts/start.mjs', t);
  const ready = /demo ready in (\d+(?:\.\d+)?) s/.exec(output());
  assert.ok(ready, output());
  assert.ok(Number(ready[1]) < 15, `ready in ${ready[1]} s`);
  assert.ok(Date.now() - started < 15_000);

  const demo = await fetch(demoUrl);
  assert.equal(demo.status, 200);
  assert.match(await demo.text(), /integrity="sha384-[A-Za-z0-9+/]{64}"/, 'the demo page pins the bundle');
  const issuer = new URL(demoUrl).searchParams.get('issuer');
  assert.equal((await fetch(`${issuer}/.well-known/openid-configuration`)).status, 200, 'the provider answers');
  assert.deepEqual(await (await fetch(new URL('../examples/status.json', demoUrl))).json(), { react: 'ready', vue: 'ready', angular: 'ready' });
  for (const name of ['react', 'vue', 'angular']) {
    assert.equal((await fetch(new URL(`../examples/${name}/`, demoUrl))).status, 200, name);
  }
  assert.equal(await stop(), 0, 'Ctrl-C stops it');
});

test("an example still building: its pages answer 503 and reload, and the demo's link says building…", { timeout: 60_000 }, async (t) => {
  // The handler npm start puts in front of the site.
  const states = new Map([['react', 'building'], ['vue', 'failed'], ['angular', 'ready']]);
  const server = createServer((req, res) => {
    const pathname = new URL(req.url, 'http://localhost').pathname;
    if (!examplePages(states)(req, res, pathname)) {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const building = await fetch(`${base}/examples/react/?issuer=x`);
  assert.equal(building.status, 503);
  assert.match(await building.text(), /<meta http-equiv="refresh" content="3">[\s\S]*The react example is building/);
  const failed = await fetch(`${base}/examples/vue/`);
  assert.equal(failed.status, 500);
  assert.match(await failed.text(), /failed to build/);
  assert.equal((await fetch(`${base}/examples/angular/`)).status, 404, 'a ready example is left to the static server');
  assert.deepEqual(await (await fetch(`${base}/examples/status.json`)).json(), { react: 'building', vue: 'failed', angular: 'ready' });

  // The demo, on the built site, with examples/status.json answering "building" for React.
  const site = await startPlainServer({ root: path.join(root, 'site') });
  t.after(() => site.close());
  const context = await browser.newContext();
  t.after(() => context.close());
  let status = { react: 'building', vue: 'ready', angular: 'ready' };
  await context.route('**/examples/status.json', (route) => route.fulfill({ json: status }));
  const page = await context.newPage();
  await page.goto(`${site.origin}/demo/`);
  await page.locator(LOGIN_BUTTON).waitFor({ state: 'visible', timeout: 15_000 });
  const label = (name) => page.locator(`#example-${name} + .example-state`).textContent();
  await poll(async () => (await label('react')) === ' (building…)', { describe: async () => `react: ${await label('react')}` });
  assert.equal(await label('vue'), '');
  status = { react: 'ready', vue: 'ready', angular: 'ready' };
  await poll(async () => (await label('react')) === '', { timeout: 10_000 });
});

test('npm run dev reloads the demo when the element is rebuilt and when a demo file changes', { timeout: 120_000 }, async (t) => {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.dev, 'node scripts/dev.mjs');
  const { demoUrl, output } = await launch('scripts/dev.mjs', t);
  assert.match(output(), /demo ready in \d/);
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  let loads = 0;
  page.on('load', () => { loads += 1; });
  await page.goto(demoUrl);
  await page.locator(LOGIN_BUTTON).waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await page.locator('script[src="/__dev/reload.js"]').count(), 1, 'the dev server adds its reload script');
  assert.equal(await page.locator('script[src="../dist/pkce-login.js"]').getAttribute('integrity'), null, 'the development bundle has no pinned hash');
  // A demo file changes (its time only): copied to site/ and the page reloads.
  const before = loads;
  const css = path.join(root, 'demo', 'demo.css');
  const now = new Date();
  await utimes(css, now, now);
  await poll(() => loads > before, { timeout: 20_000, describe: () => `loads=${loads}\n${output()}` });
  assert.match(output(), /demo\/demo\.css changed: reloading/);

  // The element changes: one line added to its entry module (taken out again after the test),
  // then tsc --watch, rollup, a reload, and the page runs the new bundle.
  const entry = path.join(root, 'src', 'pkce-login.ts');
  const stamp = `dev-${Date.now()}`;
  const line = `\n(globalThis as { __devStamp?: string }).__devStamp = '${stamp}'; // added by test/examples/start.test.mjs\n`;
  const original = await readFile(entry, 'utf8');
  const { atime, mtime } = await stat(entry);
  t.after(async () => {
    // Only the added line goes, whatever else changed in the file meanwhile; back as it was, it
    // gets its time back too, so that the next npm start does not rebuild for nothing.
    const restored = (await readFile(entry, 'utf8')).replace(line, '');
    await writeFile(entry, restored);
    if (restored === original) await utimes(entry, atime, mtime);
  });
  const afterDemo = loads;
  await writeFile(entry, original + line);
  await poll(() => loads > afterDemo, { timeout: 60_000, describe: () => `loads=${loads}\n${output()}` });
  assert.match(output(), /element rebuilt in \d+ ms: reloading/);
  await page.locator(LOGIN_BUTTON).waitFor({ state: 'visible', timeout: 15_000 });
  await poll(async () => (await page.evaluate(() => globalThis.__devStamp)) === stamp, { timeout: 20_000 });
});
