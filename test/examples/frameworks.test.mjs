// The framework examples as built by their own tools (`npm run build:examples`, assembled into
// site/ by `npm run build:site`; `npm run test:examples` does both first): each is served by a
// plain static server on loopback, mounted in Chromium, and signs in through the real local
// provider's form. The element renders with the label the framework passed as an object
// property, and its `token` and `login` events reach the framework's handlers: the app renders
// "Hello <name>" and the access token's length from its own state.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProvider, DEFAULT_CLIENT_ID } from '../../scripts/provider.mjs';
import {
  launchBrowser, poll, signInAtProvider, LOGIN_BUTTON, LOGOUT_BUTTON, USER_NAME,
} from '../e2e/harness.mjs';
import { startPlainServer } from '../e2e/plain-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SITE = path.join(root, 'site');
const FRAMEWORKS = {
  react: 'React',
  vue: 'Vue',
  angular: 'Angular',
};

let browser;
let site;
let op;

before(async () => {
  for (const name of Object.keys(FRAMEWORKS)) {
    assert.ok(
      existsSync(path.join(SITE, 'examples', name, 'index.html')),
      `site/examples/${name}/ is built (npm run build:examples && npm run build:site)`,
    );
  }
  browser = await launchBrowser();
  site = await startPlainServer({ root: SITE });
  const redirectUris = Object.keys(FRAMEWORKS).map((name) => `${site.origin}/examples/${name}/`);
  op = await startProvider({ redirectUris, postLogoutRedirectUris: redirectUris });
});

after(async () => {
  await Promise.all([browser?.close(), site?.close(), op?.close()]);
});

/** Text of an element of the app (outside the custom element), or '' when it is not there. */
async function text(page, selector) {
  const locator = page.locator(selector);
  return (await locator.count()) ? (await locator.first().textContent())?.replace(/\s+/g, ' ').trim() ?? '' : '';
}

for (const [name, label] of Object.entries(FRAMEWORKS)) {
  test(`${label}: the element renders, and login and token reach the app's handlers after signing in`, { timeout: 60_000 }, async (t) => {
    const context = await browser.newContext();
    t.after(() => context.close());
    // Every `token` event the page sees, recorded in memory beside the app's own handlers.
    await context.addInitScript(() => {
      window.__tokenLengths = [];
      document.addEventListener('token', (event) => window.__tokenLengths.push(event.detail.accessToken.length));
    });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const query = new URLSearchParams({ issuer: op.issuer, client_id: DEFAULT_CLIENT_ID });
    await page.goto(`${site.origin}/examples/${name}/?${query}`);

    // Rendered by the framework, upgraded by the bundled element, labelled through the
    // `messages` object the framework set as a property.
    const button = page.locator(LOGIN_BUTTON);
    await button.waitFor({ state: 'visible', timeout: 15_000 });
    await poll(() => button.isEnabled());
    assert.equal((await button.textContent())?.trim(), 'Sign in', 'the messages property reached the element');
    assert.equal(await text(page, '#greeting'), 'Signed out');
    assert.equal(
      await page.evaluate(() => document.querySelector('pkce-login')?.getAttribute('client-id')),
      'pkce-login-demo',
      'client-id set as an attribute',
    );

    await button.click();
    const { prompts } = await signInAtProvider(page, `${name}-fan`);
    assert.deepEqual(prompts, ['login', 'consent']);

    // Back at the example: the framework's state now says who is signed in.
    await poll(async () => (await text(page, '#greeting')) === `Hello ${name}-fan`, {
      describe: async () => `greeting=${await text(page, '#greeting')} error=${await text(page, '#error')} url=${page.url()}`,
    });
    const lengths = await page.evaluate(() => window.__tokenLengths);
    assert.ok(lengths.length >= 1 && lengths.at(-1) > 0, 'the element fired token');
    await poll(async () => (await text(page, '#token')).includes(`access token of ${lengths.at(-1)} characters`), {
      describe: async () => `token line: ${await text(page, '#token')}`,
    });
    assert.equal(await text(page, '#error'), '', 'no error reached the app');

    // The element itself is signed in, with the logout label from the same property.
    assert.equal((await page.locator(USER_NAME).textContent())?.trim(), `${name}-fan`);
    assert.equal((await page.locator(LOGOUT_BUTTON).textContent())?.trim(), 'Sign out');
    const url = new URL(page.url());
    assert.equal(url.pathname, `/examples/${name}/`);
    assert.equal(url.searchParams.has('code') || url.searchParams.has('state'), false, 'the callback left the address bar');
    assert.deepEqual(pageErrors, []);
  });
}
