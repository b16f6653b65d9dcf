// The element on a page served with a strict Content-Security-Policy (issue 3, item 6): no
// inline script or style, Trusted Types required. A full login and logout against the real
// provider must not cause a single violation. The provider's own pages are on another origin and
// are not under this policy.
//
// The Trusted Types policy names are exact: the CDN bundle loaded once needs `trusted-types
// lit-html` and nothing more (lit-html's policy is the only one created). Each further copy of
// lit-html on the page (the bundle loaded twice, or beside an app's own lit) creates another
// `lit-html` policy, which only `'allow-duplicates'` permits: without it, that copy fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import * as esbuild from 'esbuild';
import {
  launchBrowser, startStack, signInAtProvider, confirmLogoutAtProvider, recordTokenRequests,
  readEvents, describePage, poll, waitForRecordedEvent, waitForStatus,
  LOGIN_BUTTON, LOGOUT_BUTTON, USER_NAME, ENGINE_CAN,
} from './harness.mjs';

const PAGES = '/test/e2e/pages/';
const PAGES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pages');

/** The bundle loaded once: lit-html's policy, and no other name. */
const TT_ONE_LIT = 'trusted-types lit-html';
/** Several copies of lit-html on the page, each creating its `lit-html` policy. */
const TT_SEVERAL_LITS = "trusted-types lit-html 'allow-duplicates'";

/**
 * The `trusted-types` directive of each page served with the strict policy, by URL path (a test
 * may change one for its duration, see {@link withTrustedTypes}).
 */
const trustedTypesOf = new Map([
  [`${PAGES}strict-csp.html`, TT_ONE_LIT],
  [`${PAGES}double-load.html`, TT_SEVERAL_LITS],
  [`${PAGES}app-lit.html`, TT_SEVERAL_LITS],
  [`${PAGES}app-lit-double.html`, TT_SEVERAL_LITS],
]);

/** Exactly the header of issue 3, item 6, with the running provider's origin. */
const strictCsp = (issuerOrigin, trustedTypes) => "default-src 'none'; script-src 'self'; style-src 'self'; "
  + `img-src 'self' data: https:; connect-src 'self' ${issuerOrigin}; `
  + `require-trusted-types-for 'script'; ${trustedTypes}`;

/** Where the app's own lit (app-lit.source.js bundled) is served from. */
const APP_LIT_PATH = `${PAGES}app-lit.js`;

let browser;
let stack;
let issuerOrigin;
/** app-lit.source.js bundled with its own copy of lit, as an app's build would. */
let appLitBundle;

before(async () => {
  // The provider's origin is known only once the stack runs; no page is served before that.
  [browser, stack, appLitBundle] = await Promise.all([
    launchBrowser(),
    startStack({
      headers: (pathname) => (trustedTypesOf.has(pathname)
        ? { 'Content-Security-Policy': strictCsp(issuerOrigin, trustedTypesOf.get(pathname)) }
        : undefined),
    }),
    buildAppLit(),
  ]);
  issuerOrigin = new URL(stack.issuer).origin;
});

async function buildAppLit() {
  const { outputFiles: [bundle] } = await esbuild.build({
    entryPoints: [path.join(PAGES_DIR, 'app-lit.source.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  assert.equal(bundle.text.match(/createPolicy\("lit-html"/g)?.length, 1, 'the app bundle holds one lit-html');
  return bundle.text;
}

/** Serves the page at `name` with the `trusted-types` directive `directive` during test `t`. */
function withTrustedTypes(t, name, directive) {
  const pathname = `${PAGES}${name}.html`;
  const previous = trustedTypesOf.get(pathname);
  trustedTypesOf.set(pathname, directive);
  t.after(() => trustedTypesOf.set(pathname, previous));
}

after(async () => {
  await Promise.all([browser?.close(), stack?.close()]);
});

const CSP_MESSAGE = /content.security.policy|trusted.?type|TrustedHTML|TrustedScript|TrustedScriptURL/i;

/**
 * A fresh context and page that collect, for the whole test, every console message and page
 * error about CSP or Trusted Types (with the page URL at that moment) and every uncaught error.
 */
async function freshPage(t) {
  const context = await browser.newContext();
  t.after(() => context.close());
  await context.route((url) => url.pathname === APP_LIT_PATH, (route) => route.fulfill({
    status: 200,
    contentType: 'text/javascript; charset=utf-8',
    body: appLitBundle,
  }));
  const page = await context.newPage();
  const cspConsole = [];
  const pageErrors = [];
  page.on('console', (msg) => {
    if (CSP_MESSAGE.test(msg.text())) cspConsole.push({ type: msg.type(), text: msg.text(), at: page.url() });
  });
  page.on('pageerror', (error) => pageErrors.push({ message: error.message, at: page.url() }));
  return { context, page, cspConsole, pageErrors };
}

/** Opens a CSP page and checks that the exact policy was served with it; returns that policy. */
async function openCspPage(page, name) {
  const response = await page.goto(stack.pageUrl({}, name));
  assert.equal(response.status(), 200);
  const csp = strictCsp(issuerOrigin, trustedTypesOf.get(`${PAGES}${name}.html`));
  assert.equal(response.headers()['content-security-policy'], csp, 'the page is served with the strict policy');
  assert.equal(await page.evaluate(() => Array.isArray(window.__cspViolations)), true,
    'the violation watcher runs (external scripts are allowed)');
  return csp;
}

/** The violations the page has recorded (they survive navigations in this tab). */
function violations(page) {
  return page.evaluate(() => window.__cspViolations ?? JSON.parse(sessionStorage.getItem('e2e-csp-violations') ?? '[]'));
}

/** `waitForStatus`, whose failure also says which violations and errors the page saw. */
async function waitForStatusUnderCsp(page, status, { cspConsole, pageErrors }) {
  try {
    await waitForStatus(page, status);
  } catch (error) {
    const seen = await violations(page).catch(() => 'unknown');
    throw new Error(`${error.message}; violations=${JSON.stringify(seen)}`
      + ` cspConsole=${JSON.stringify(cspConsole)} pageErrors=${JSON.stringify(pageErrors)}`);
  }
}

async function assertNoViolation(page, cspConsole, pageErrors, when) {
  assert.deepEqual(await violations(page), [], `no securitypolicyviolation ${when}`);
  assert.deepEqual(cspConsole, [], `no console message about CSP / Trusted Types ${when}`);
  assert.deepEqual(pageErrors, [], `no uncaught error ${when}`);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), [], `no error reached window ${when}`);
}

test('the violation watcher sees inline styles and Trusted Types violations on the strict-CSP page', { timeout: 30_000 }, async (t) => {
  // Guards the other tests: a watcher that saw nothing would make them pass vacuously.
  const { page, cspConsole } = await freshPage(t);
  await openCspPage(page, 'strict-csp');
  await waitForStatus(page, 'signed-out');
  const outcome = await page.evaluate(() => {
    const style = document.createElement('style');
    style.textContent = 'body { color: red; }';
    document.head.append(style);
    try {
      document.createElement('div').innerHTML = '<b>not trusted</b>';
      return 'innerHTML accepted a string';
    } catch (error) {
      return error.name;
    }
  });
  assert.equal(outcome, 'TypeError', 'Trusted Types are enforced');
  const seen = await poll(async () => {
    const list = await violations(page);
    return list.length >= 2 ? list : undefined;
  });
  const directives = seen.map((v) => v.effectiveDirective).sort();
  assert.deepEqual(directives, ['require-trusted-types-for', 'style-src-elem']);
  // The console watcher too, where the driver reports the browser's CSP messages there (Chromium).
  if (ENGINE_CAN.cspConsole) await poll(() => cspConsole.length >= 2, { describe: () => JSON.stringify(cspConsole) });
});

test('a full login and logout on the strict-CSP page cause no violation', { timeout: 45_000 }, async (t) => {
  const { context, page, cspConsole, pageErrors } = await freshPage(t);
  const tokenRequests = recordTokenRequests(context, stack.tokenEndpoint);

  const csp = await openCspPage(page, 'strict-csp');
  assert.ok(csp.endsWith("; require-trusted-types-for 'script'; trusted-types lit-html"),
    `exactly lit-html's policy, no other name, no 'allow-duplicates': ${csp}`);
  await waitForStatusUnderCsp(page, 'signed-out', { cspConsole, pageErrors });
  assert.equal(await page.evaluate(() => window.litHtmlVersions?.length), 1, 'one copy of lit-html');
  const login = page.locator(LOGIN_BUTTON);
  assert.equal(await login.isEnabled(), true, 'Log in is usable');
  assert.equal((await login.textContent()).trim(), 'Log in');
  // The element's styles apply (adopted style sheet, not inline): the button is not unstyled.
  assert.equal(
    await login.evaluate((button) => getComputedStyle(button).cursor),
    'pointer',
    'the element\'s style sheet applies under style-src \'self\'',
  );
  await assertNoViolation(page, cspConsole, pageErrors, 'before the login');

  await login.click();
  const { prompts } = await signInAtProvider(page, 'alice');
  assert.deepEqual(prompts, ['login', 'consent']);
  assert.equal(new URL(page.url()).pathname, `${PAGES}strict-csp.html`, 'back at the strict-CSP page');
  await waitForStatusUnderCsp(page, 'signed-in', { cspConsole, pageErrors });
  await waitForRecordedEvent(page, 'login');

  const events = await readEvents(page);
  const summary = await describePage(page);
  const types = events.map((e) => e.type);
  assert.deepEqual(types, ['token', 'login'], `token then login, nothing else; ${summary}`);
  assert.ok(events[0].detail.accessToken > 0, 'the token event carries an access token');
  assert.equal(events[1].detail.user.sub, 'alice');
  assert.equal(events[1].detail.user.email, 'alice@example.test', 'userinfo was fetched (connect-src)');
  assert.equal(await page.locator(USER_NAME).isVisible(), true, 'the name is visible');
  assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'alice');
  const avatar = page.locator('pkce-login img[part~="avatar"]');
  assert.equal(await avatar.count(), 1, 'the avatar is rendered');
  await poll(() => avatar.evaluate((img) => img.complete && img.naturalWidth > 0), {
    describe: () => 'the data: avatar did not load (img-src)',
  });
  assert.equal(await page.locator(LOGOUT_BUTTON).isVisible(), true, 'Log out is shown');
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['authorization_code']);
  await assertNoViolation(page, cspConsole, pageErrors, 'after the login');

  await page.click(LOGOUT_BUTTON);
  await confirmLogoutAtProvider(page, { issuer: stack.issuer });
  assert.equal(new URL(page.url()).origin, stack.appOrigin, 'back at the app after logout');
  await waitForStatusUnderCsp(page, 'signed-out', { cspConsole, pageErrors });
  await waitForRecordedEvent(page, 'logout');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is usable again');
  assert.deepEqual((await readEvents(page)).filter((e) => e.type === 'error'), [], 'no error event');
  await sleep(200);
  await assertNoViolation(page, cspConsole, pageErrors, 'after the logout');
});

test('the CDN bundle loaded twice under the strict CSP: no violation, Log in reaches the provider', { timeout: 30_000 }, async (t) => {
  // Two instances of the bundle on one page, under Trusted Types with 'allow-duplicates'.
  const { page, cspConsole, pageErrors } = await freshPage(t);
  const csp = await openCspPage(page, 'double-load');
  assert.ok(csp.endsWith("; trusted-types lit-html 'allow-duplicates'"), csp);
  await waitForStatusUnderCsp(page, 'signed-out', { cspConsole, pageErrors });
  assert.equal(await page.waitForFunction(() => window.__bundleInstances).then((h) => h.jsonValue()), 2, 'both module instances ran');
  assert.equal(await page.evaluate(() => window.litHtmlVersions?.length), 2, 'two copies of lit-html ran');
  await assertNoViolation(page, cspConsole, pageErrors, 'after loading the bundle twice');

  await page.click(LOGIN_BUTTON);
  await page.waitForURL((url) => url.origin === new URL(stack.issuer).origin, { waitUntil: 'commit' });
  const authorization = new URL(stack.metadata.authorization_endpoint);
  assert.ok(
    [authorization.pathname, '/interaction/'].some((p) => new URL(page.url()).pathname.startsWith(p)),
    `at the provider: ${page.url()}`,
  );
  assert.deepEqual(cspConsole, [], 'no console message about CSP / Trusted Types');
  assert.deepEqual(pageErrors, [], 'no uncaught error');
});

test('the CDN bundle loaded twice beside the app\'s own lit, under \'allow-duplicates\': a full login, no violation', { timeout: 45_000 }, async (t) => {
  // Three copies of lit-html: two module instances of the bundle and the app's bundle.
  const { context, page, cspConsole, pageErrors } = await freshPage(t);
  const tokenRequests = recordTokenRequests(context, stack.tokenEndpoint);
  const csp = await openCspPage(page, 'app-lit-double');
  assert.ok(csp.endsWith("; trusted-types lit-html 'allow-duplicates'"), csp);
  await waitForStatusUnderCsp(page, 'signed-out', { cspConsole, pageErrors });
  assert.equal(await page.waitForFunction(() => window.__bundleInstances).then((h) => h.jsonValue()), 2, 'both module instances ran');
  assert.equal(await page.evaluate(() => window.litHtmlVersions?.length), 3, 'three copies of lit-html ran');
  const banner = page.locator('app-banner p[part="text"]');
  assert.equal((await banner.textContent()).trim(), 'Rendered by the app\'s own lit', 'the app\'s LitElement rendered');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is usable');
  await assertNoViolation(page, cspConsole, pageErrors, 'after loading three copies of lit-html');

  await page.click(LOGIN_BUTTON);
  const { prompts } = await signInAtProvider(page, 'carol');
  assert.deepEqual(prompts, ['login', 'consent']);
  assert.equal(new URL(page.url()).pathname, `${PAGES}app-lit-double.html`, 'back at the page');
  await waitForStatusUnderCsp(page, 'signed-in', { cspConsole, pageErrors });
  await waitForRecordedEvent(page, 'login');
  const events = await readEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['token', 'login'], `token then login; ${await describePage(page)}`);
  assert.equal(events[1].detail.user.sub, 'carol');
  assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'carol');
  assert.deepEqual(tokenRequests.requests.map((r) => r.grantType), ['authorization_code'], 'one code exchange');
  assert.equal(await page.evaluate(() => window.litHtmlVersions?.length), 3, 'three copies again after the return');
  assert.equal((await banner.textContent()).trim(), 'Rendered by the app\'s own lit');
  await sleep(200);
  await assertNoViolation(page, cspConsole, pageErrors, 'after the login');
});

for (const { name, what } of [
  { name: 'double-load', what: 'the CDN bundle loaded twice' },
  { name: 'app-lit', what: 'the CDN bundle beside the app\'s own lit' },
]) {
  test(`${what} under exactly "trusted-types lit-html": the second lit-html is refused, so 'allow-duplicates' is needed`, { timeout: 30_000 }, async (t) => {
    // The other side of the tests above: the directive without 'allow-duplicates' is not enough.
    withTrustedTypes(t, name, TT_ONE_LIT);
    const { page, cspConsole, pageErrors } = await freshPage(t);
    const csp = await openCspPage(page, name);
    assert.ok(csp.endsWith("; require-trusted-types-for 'script'; trusted-types lit-html"), csp);
    await waitForStatus(page, 'signed-out'); // the first copy, loaded first, still works
    const seen = await poll(async () => {
      const list = await violations(page);
      return list.length > 0 && pageErrors.length > 0 ? list : undefined;
    }, { describe: async () => `violations=${JSON.stringify(await violations(page))} pageErrors=${JSON.stringify(pageErrors)}` });
    await sleep(200);
    assert.deepEqual((await violations(page)).map((v) => [v.effectiveDirective, v.sample]), [['trusted-types', 'lit-html']],
      `one violation: the second policy named lit-html; ${JSON.stringify(seen)}`);
    // The second copy fails as it loads (on double-load, double-load.js's import of it fails too).
    // Chromium and WebKit: 'Policy with name "lit-html" already exists'; Firefox: "blocked
    // creating policy named 'lit-html'", and its CSP message comes as an error too.
    assert.ok(pageErrors.length > 0 && pageErrors.every((e) => /Policy with name ["']lit-html["'] already exists|blocked creating (a Trusted Types )?policy/.test(e.message)),
      `the only uncaught errors are the refused lit-html policy: ${JSON.stringify(pageErrors)}`);
    // Where the driver reports the browser's own CSP messages (not WebKit's), one names the
    // directive; the violation event above does everywhere.
    if (ENGINE_CAN.cspMessages) {
      const messages = [...cspConsole.map((m) => m.text), ...pageErrors.map((e) => e.message)];
      assert.ok(messages.some((text) => /lit-html/.test(text) && /trusted-types/.test(text)),
        `the browser says which directive refused it: ${JSON.stringify(messages)}`);
    }
    assert.equal(await page.evaluate(() => window.litHtmlVersions?.length), 1, 'only one copy of lit-html got going');
  });
}
