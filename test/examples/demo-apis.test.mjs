// The demo's "Calling your APIs" panel (issue 15, item 4): the built site/ on a plain static
// server, the local provider configured as npm start configures it for the demo's two APIs
// (scripts/resource-api.mjs), and `/demo/apis.json` answered as npm start answers it. After a
// login, "Call API one" gets a 200 from API one with its own audience and scope; "Call API two"
// gets the step-up challenge, "Step up" signs in again with the demanded acr, and the retried
// call succeeds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProvider, DEFAULT_CLIENT_ID } from '../../scripts/provider.mjs';
import { assignDemoAcr, demoProviderOverrides, startDemoApis } from '../../scripts/resource-api.mjs';
import { launchBrowser, poll, signInAtProvider, LOGIN_BUTTON } from '../e2e/harness.mjs';
import { startPlainServer } from '../e2e/plain-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SITE = path.join(root, 'site');

let browser;
let site;
let op;
let apis;

before(async () => {
  assert.ok(existsSync(path.join(SITE, 'demo', 'index.html')), 'site/ is built (npm run build:site)');
  browser = await launchBrowser();
  const pages = {};
  site = await startPlainServer({ root: SITE, pages });
  const redirectUris = [`${site.origin}/demo/`];
  op = await startProvider({ redirectUris, postLogoutRedirectUris: redirectUris, configOverrides: await demoProviderOverrides() });
  assignDemoAcr(op.provider);
  apis = await startDemoApis({ allowOrigin: site.origin, issuer: op.issuer, jwksUri: `${op.issuer}/jwks` });
  pages['/demo/apis.json'] = JSON.stringify(apis.config);
});

after(async () => {
  await Promise.all([browser?.close(), site?.close(), op?.close(), apis?.close()]);
});

const clean = (value) => (value ?? '').replace(/\s+/g, ' ').trim();

test('the demo panel calls API one after login, and API two after a step-up', { timeout: 90_000 }, async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));

  const query = new URLSearchParams({ issuer: op.issuer, client_id: DEFAULT_CLIENT_ID });
  await page.goto(`${site.origin}/demo/?${query}`);
  await page.locator('#apis-body').waitFor({ state: 'visible', timeout: 15_000 });
  assert.deepEqual(JSON.parse(await page.locator('#apis-config').textContent()), apis.config.apis);

  await page.locator(LOGIN_BUTTON).waitFor({ state: 'visible', timeout: 15_000 });
  await page.click(LOGIN_BUTTON);
  await signInAtProvider(page, 'dora');
  await poll(async () => clean(await page.locator('#status-value').textContent()) === 'signed-in');

  const result = (name) => page.locator(`#api-result-${name}`).textContent().then(clean);
  await page.click('#call-one');
  await poll(async () => /^\d{3}:/.test(await result('one')), { describe: () => result('one') });
  assert.equal(await result('one'), '200: aud "urn:example:api-one", scope "read:one", acr "urn:example:password"');
  assert.equal(apis.one.requests.at(-1).status, 200);

  await page.click('#call-two');
  await poll(async () => /^\d{3}:/.test(await result('two')), { describe: () => result('two') });
  assert.match(await result('two'), /^401: insufficient_user_authentication/);
  await page.locator('#step-up').waitFor({ state: 'visible' });

  await page.click('#step-up');
  await signInAtProvider(page, 'dora');
  await poll(async () => (await result('two')).startsWith('200:'), { timeout: 20_000, describe: () => result('two') });
  assert.equal(await result('two'), '200: aud "urn:example:api-two", scope "read:two", acr "urn:example:mfa"');
  assert.equal(await page.locator('#step-up').isHidden(), true);
  assert.deepEqual(problems, []);
});
