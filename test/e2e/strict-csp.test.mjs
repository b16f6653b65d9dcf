// The element on a page served with a strict Content-Security-Policy (issue 3, item 6): no
// inline script or style, Trusted Types required. A full login and logout against the real
// provider must not cause a single violation. The provider's own pages are on another origin and
// are not under this policy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  launchBrowser, startStack, signInAtProvider, confirmLogoutAtProvider, recordTokenRequests,
  readEvents, describePage, poll, waitForRecordedEvent, waitForStatus,
  LOGIN_BUTTON, LOGOUT_BUTTON, USER_NAME,
} from './harness.mjs';

const PAGES = '/test/e2e/pages/';
/** Pages served with the strict policy. */
const CSP_PAGES = new Set([`${PAGES}strict-csp.html`, `${PAGES}double-load.html`]);

/** Exactly the header of issue 3, item 6, with the running provider's origin. */
const strictCsp = (issuerOrigin) => "default-src 'none'; script-src 'self'; style-src 'self'; "
  + `img-src 'self' data: https:; connect-src 'self' ${issuerOrigin}; `
  + "require-trusted-types-for 'script'; trusted-types lit-html pkce-login 'allow-duplicates'";

let browser;
let stack;
let csp;

before(async () => {
  // The provider's origin is known only once the stack runs; no page is served before that.
  [browser, stack] = await Promise.all([
    launchBrowser(),
    startStack({
      headers: (pathname) => (CSP_PAGES.has(pathname) ? { 'Content-Security-Policy': csp } : undefined),
    }),
  ]);
  csp = strictCsp(new URL(stack.issuer).origin);
});

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
  const page = await context.newPage();
  const cspConsole = [];
  const pageErrors = [];
  page.on('console', (msg) => {
    if (CSP_MESSAGE.test(msg.text())) cspConsole.push({ type: msg.type(), text: msg.text(), at: page.url() });
  });
  page.on('pageerror', (error) => pageErrors.push({ message: error.message, at: page.url() }));
  return { context, page, cspConsole, pageErrors };
}

/** Opens a CSP page and checks that the exact policy was served with it. */
async function openCspPage(page, name) {
  const response = await page.goto(stack.pageUrl({}, name));
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-security-policy'], csp, 'the page is served with the strict policy');
  assert.equal(await page.evaluate(() => Array.isArray(window.__cspViolations)), true,
    'the violation watcher runs (external scripts are allowed)');
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
  await poll(() => cspConsole.length >= 2, { describe: () => JSON.stringify(cspConsole) });
});

test('a full login and logout on the strict-CSP page cause no violation', { timeout: 45_000 }, async (t) => {
  const { context, page, cspConsole, pageErrors } = await freshPage(t);
  const tokenRequests = recordTokenRequests(context, stack.tokenEndpoint);

  await openCspPage(page, 'strict-csp');
  await waitForStatusUnderCsp(page, 'signed-out', { cspConsole, pageErrors });
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
  // Two instances of the bundle on one page, under Trusted Types.
  const { page, cspConsole, pageErrors } = await freshPage(t);
  await openCspPage(page, 'double-load');
  await waitForStatusUnderCsp(page, 'signed-out', { cspConsole, pageErrors });
  assert.equal(await page.waitForFunction(() => window.__bundleInstances).then((h) => h.jsonValue()), 2, 'both module instances ran');
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
