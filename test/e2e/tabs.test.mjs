import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, signInAtProvider, recordTokenRequests, readEvents,
  waitForRecordedEvent, waitForStatus, LOGIN_BUTTON, USER_NAME,
} from './harness.mjs';

const env = useBrowserAndStack();

test('two tabs logging in at the same time both succeed', { timeout: 45_000 }, async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);
  const tabs = await Promise.all([context.newPage(), context.newPage()]);

  await Promise.all(tabs.map(async (page) => {
    await page.goto(env.stack.pageUrl());
    await waitForStatus(page, 'signed-out');
  }));
  // Both tabs start a login before either has finished at the provider.
  for (const page of tabs) await page.click(LOGIN_BUTTON);
  await Promise.all(tabs.map((page) => page.waitForURL((url) => url.pathname.startsWith('/interaction/'))));

  // The user then finishes signing in, one tab after the other.
  const results = [];
  for (const page of tabs) results.push(await signInAtProvider(page, 'erin'));
  t.diagnostic(`provider pages seen per tab: ${JSON.stringify(results.map((r) => r.prompts))}`);
  for (const { prompts } of results) assert.equal(prompts[0], 'login', 'each tab signed in itself');
  await Promise.all(tabs.map(async (page) => {
    await waitForStatus(page, 'signed-in');
    await waitForRecordedEvent(page, 'login');
  }));

  for (const [index, page] of tabs.entries()) {
    const events = await readEvents(page);
    const types = events.map((e) => e.type);
    assert.ok(types.includes('token'), `tab ${index + 1} got a token event: ${JSON.stringify(events)}`);
    assert.ok(types.indexOf('token') < types.indexOf('login'), `tab ${index + 1}: token before login`);
    assert.deepEqual(events.filter((e) => e.type === 'error'), [], `tab ${index + 1}: no error`);
    assert.equal(events.find((e) => e.type === 'login').detail.user.sub, 'erin');
    assert.equal((await page.locator(USER_NAME).textContent()).trim(), 'erin');
    assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
  }
  const exchanges = tokenRequests.requests.filter((r) => r.grantType === 'authorization_code');
  assert.equal(exchanges.length, 2, 'each tab exchanged its own code');
});
