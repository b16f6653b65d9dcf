// The server-rendering example (examples/ssr/): a page rendered in Node with @lit-labs/ssr,
// loaded in Chromium. The Log in button is in the first paint, before any script (declarative
// shadow DOM, its styles included); lit's hydrate support then takes over that very button
// without a mismatch and without moving it; the element is live: it turns `signed-out`, and
// Log in goes to the real local provider and signs in. Needs `npm run build` (dist/npm/); the
// example bundles its browser script itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProvider, DEFAULT_CLIENT_ID } from '../../scripts/provider.mjs';
import { startSsrExample } from '../../examples/ssr/server.mjs';
import { launchBrowser, poll, signInAtProvider, waitForStatus, LOGIN_BUTTON, USER_NAME } from '../e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let browser;
let example;
let op;

before(async () => {
  assert.ok(existsSync(path.join(root, 'dist/npm/pkce-login.js')), 'dist/npm/ is built (npm run build)');
  // The example first (its address is the redirect URI), reading the provider's issuer at each request.
  example = await startSsrExample({ issuer: () => op.issuer, clientId: DEFAULT_CLIENT_ID });
  op = await startProvider({ redirectUris: [`${example.origin}/`] });
  browser = await launchBrowser();
});

after(async () => {
  await Promise.all([browser?.close(), example?.close(), op?.close()]);
});

/**
 * Console errors, hydration warnings and uncaught errors of the example's page, for "no
 * hydration mismatch" (the provider's own pages are not the example's business).
 */
function watchConsole(page) {
  const problems = [];
  const onExample = () => page.url().startsWith(`${example.origin}/`);
  page.on('console', (message) => {
    if (!onExample()) return;
    if (message.type() === 'error' || /hydrat|mismatch/i.test(message.text())) problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    if (onExample()) problems.push(`pageerror: ${error.message}`);
  });
  return problems;
}

test('first paint: the server-rendered Log in button shows with JavaScript disabled', async (t) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`${example.origin}/`);

  const button = page.locator(LOGIN_BUTTON);
  await button.waitFor({ state: 'visible', timeout: 5_000 });
  assert.equal((await button.textContent())?.trim(), 'Log in');
  assert.equal(await button.getAttribute('part'), 'button login');
  // Not usable before the element runs: disabled and busy, as the element itself starts.
  assert.equal(await button.isDisabled(), true);
  assert.equal(await button.getAttribute('aria-busy'), 'true');
  assert.equal(await page.locator('pkce-login [role="status"]').count(), 1, 'the live region is rendered');
  // The styles came with the declarative shadow root: the accent background.
  assert.equal(await button.evaluate((node) => getComputedStyle(node).backgroundColor), 'rgb(31, 95, 209)');
  const box = await button.boundingBox();
  assert.ok(box && box.width > 20 && box.height > 10, `the button has a size: ${JSON.stringify(box)}`);
});

test('hydration: the same button, no mismatch, no layout shift; then the element is live and signs in', { timeout: 60_000 }, async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const problems = watchConsole(page);

  // The browser script is held back until the server-rendered page has been looked at.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(`${example.origin}/client.js`, async (route) => {
    await held;
    await route.continue();
  });

  await page.goto(`${example.origin}/`, { waitUntil: 'commit' });
  const button = page.locator(LOGIN_BUTTON);
  await button.waitFor({ state: 'visible', timeout: 5_000 });
  const before = await page.evaluate(() => {
    const host = document.querySelector('pkce-login');
    const root = host?.shadowRoot;
    const server = root?.querySelector('button');
    if (server) server.__renderedOnServer = true;
    return {
      defined: customElements.get('pkce-login') !== undefined,
      shadowRoot: root != null,
      label: server?.textContent?.trim(),
      disabled: server?.disabled,
      background: server && getComputedStyle(server).backgroundColor,
      radius: server && getComputedStyle(server).borderTopLeftRadius,
    };
  });
  assert.deepEqual(
    { defined: before.defined, shadowRoot: before.shadowRoot, label: before.label, disabled: before.disabled },
    { defined: false, shadowRoot: true, label: 'Log in', disabled: true },
    'before any script: the declarative shadow root, with the disabled Log in button',
  );
  assert.equal(before.background, 'rgb(31, 95, 209)', 'the server-rendered styles apply (the accent)');
  assert.notEqual(before.radius, '0px');
  const boxBefore = await button.boundingBox();

  release();
  await waitForStatus(page, 'signed-out');
  await poll(() => button.isEnabled());
  const after = await page.evaluate(() => {
    const host = document.querySelector('pkce-login');
    const buttons = host.shadowRoot.querySelectorAll('button');
    return {
      status: host.getAttribute('status'),
      buttons: buttons.length,
      sameNode: buttons[0]?.__renderedOnServer === true,
      label: buttons[0]?.textContent?.trim(),
      hydrationSupport: typeof globalThis.litElementHydrateSupport,
    };
  });
  assert.deepEqual(after, { status: 'signed-out', buttons: 1, sameNode: true, label: 'Log in', hydrationSupport: 'function' },
    'hydrated: the server-rendered button itself, now live (not a second render)');
  assert.deepEqual(await button.boundingBox(), boxBefore, 'no layout shift: the button has not moved or resized');
  assert.deepEqual(problems, [], 'no hydration mismatch, no error in the console');

  // Live: Log in goes to the provider's authorization endpoint, and the login completes.
  const { authorization_endpoint: authorizationEndpoint } = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json();
  const toProvider = page.waitForRequest((request) => request.isNavigationRequest() && request.url().startsWith(`${authorizationEndpoint}?`));
  await button.click();
  const authorization = new URL((await toProvider).url());
  assert.equal(authorization.searchParams.get('client_id'), DEFAULT_CLIENT_ID);
  assert.equal(authorization.searchParams.get('redirect_uri'), `${example.origin}/`);
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');

  await signInAtProvider(page, 'ssr-fan');
  // Back on the server-rendered page: it hydrates again and completes the login.
  await waitForStatus(page, 'signed-in');
  assert.equal((await page.locator(USER_NAME).textContent())?.trim(), 'ssr-fan');
  assert.equal(new URL(page.url()).search, '', 'the callback left the address bar');
  assert.deepEqual(problems, [], 'no error on the callback page either');
});
