// The CDN path: a page on one origin loads dist/pkce-login.js from another (a CDN stand-in that
// sends CORS headers) with <script type="module" integrity="sha384-…" crossorigin>. With the
// hash the build publishes the element is defined and renders; with a wrong hash Chromium
// refuses the file. Run after `npm run build`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, poll, closedPort, LOGIN_BUTTON } from './harness.mjs';
import { startPlainServer } from './plain-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

let browser;
let cdn;
let app;
let integrity;

/** A page that loads the bundle from the CDN origin with the given integrity attribute. */
function page(hash, issuer) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cdn</title>
<script type="module" src="${cdn.origin}/pkce-login.js" integrity="${hash}" crossorigin="anonymous"></script>
</head><body><pkce-login issuer="${issuer}" client-id="cdn-test"></pkce-login></body></html>`;
}

before(async () => {
  const bundle = await readFile(path.join(root, 'dist', 'pkce-login.js'));
  integrity = sri(bundle);
  const wrong = sri(Buffer.concat([bundle, Buffer.from('\n')]));
  // An issuer where nothing listens: the element reports discovery_failed, and still renders.
  const issuer = `http://127.0.0.1:${await closedPort()}`;
  browser = await launchBrowser();
  cdn = await startPlainServer({
    root: path.join(root, 'dist'),
    headers: { 'Access-Control-Allow-Origin': '*' },
  });
  // Another port: another origin than the CDN's.
  app = await startPlainServer({
    root: path.join(root, 'test', 'e2e', 'pages'),
    pages: { '/good.html': page(integrity, issuer), '/bad.html': page(wrong, issuer) },
  });
});

after(async () => {
  await Promise.all([browser?.close(), cdn?.close(), app?.close()]);
});

test('dist/integrity.json publishes the hash of the bundle as built', async () => {
  const record = JSON.parse(await readFile(path.join(root, 'dist', 'integrity.json'), 'utf8'));
  assert.equal(record.integrity, integrity);
});

test('the bundle loads cross-origin with its integrity= hash, and the element renders', { timeout: 30_000 }, async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const pageErrors = [];
  const tab = await context.newPage();
  tab.on('pageerror', (error) => pageErrors.push(error.message));
  await tab.goto(`${app.origin}/good.html`);
  await poll(() => tab.evaluate(() => customElements.get('pkce-login') !== undefined));
  await tab.locator(LOGIN_BUTTON).waitFor({ state: 'visible', timeout: 10_000 });
  assert.notEqual(new URL(tab.url()).origin, cdn.origin, 'the page and the bundle are on different origins');
  assert.equal(await tab.evaluate(() => document.querySelector('pkce-login') instanceof customElements.get('pkce-login')), true);
  assert.deepEqual(pageErrors, []);
});

test('a wrong integrity= hash keeps the bundle from running', { timeout: 30_000 }, async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const tab = await context.newPage();
  const messages = [];
  tab.on('console', (message) => messages.push(message.text()));
  const before = cdn.requests.length;
  await tab.goto(`${app.origin}/bad.html`, { waitUntil: 'load' });
  await poll(() => messages.some((text) => /integrity/i.test(text)), {
    timeout: 10_000,
    describe: () => `console: ${JSON.stringify(messages)}`,
  });
  assert.ok(cdn.requests.slice(before).includes('/pkce-login.js'), 'the browser did fetch the file');
  assert.equal(await tab.evaluate(() => customElements.get('pkce-login')), undefined, 'the element is not defined');
  assert.equal(await tab.locator(LOGIN_BUTTON).count(), 0, 'nothing rendered');
});

test('the bundle opens its one IndexedDB database before lit and the element evaluate (issue 16)', { timeout: 30_000 }, async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const tab = await context.newPage();
  await tab.addInitScript(() => {
    const order = (window.__order = []);
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (name, ...rest) {
      order.push(`open ${name}`);
      return open.call(this, name, ...rest);
    };
    const define = CustomElementRegistry.prototype.define;
    CustomElementRegistry.prototype.define = function (name, ...rest) {
      order.push(`define ${name}`);
      return define.call(this, name, ...rest);
    };
  });
  await tab.goto(`${app.origin}/good.html`);
  await tab.locator(LOGIN_BUTTON).waitFor({ state: 'visible', timeout: 10_000 });
  await tab.waitForTimeout(200);
  // (On a new profile the database is created, and the look for earlier builds' databases follows.)
  assert.deepEqual((await tab.evaluate(() => window.__order)).slice(0, 2), ['open pkce-login', 'define pkce-login']);
});
