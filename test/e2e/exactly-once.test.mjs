// Issue 3, item 1: one token request per code, whatever number of elements handle the callback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, signInAtProvider, recordTokenRequests, readEvents, poll,
} from './harness.mjs';

const env = useBrowserAndStack();

/** Statuses of every <pkce-login> on the page. */
function statuses(page) {
  return page.evaluate(() => [...document.querySelectorAll('pkce-login')].map((el) => el.status));
}

for (const [name, pageName, widgets] of [
  ['two widgets on one page', 'two-widgets', 2],
  ['an element mounted twice', 'remount', 1],
]) {
  test(`${name}: one code exchange, every element signed in, no error`, { timeout: 45_000 }, async (t) => {
    const context = await env.browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    const tokenRequests = recordTokenRequests(page, env.stack.tokenEndpoint);

    await page.goto(env.stack.pageUrl({}, pageName));
    await poll(async () => (await statuses(page)).every((s) => s === 'signed-out') || undefined, {
      describe: 'every element signed out',
    });
    await page.locator('pkce-login button[part~="login"]').first().click();
    await signInAtProvider(page, 'grace');
    await poll(async () => {
      const all = await statuses(page);
      return (all.length === widgets && all.every((s) => s === 'signed-in')) || undefined;
    }, { describe: `${widgets} element(s) signed in` });

    const events = await readEvents(page);
    assert.deepEqual(events.filter((e) => e.type === 'error'), [], 'no error event');
    // Every element instance signs in, including one a framework detached while it was working.
    const logins = events.filter((e) => e.type === 'login');
    assert.ok(logins.length >= widgets, `a login event per element: ${JSON.stringify(events)}`);
    for (const login of logins) assert.equal(login.detail.user.sub, 'grace');
    assert.equal(tokenRequests.requests.filter((r) => r.grantType === 'authorization_code').length, 1, 'exactly one code exchange');
    assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
  });
}
