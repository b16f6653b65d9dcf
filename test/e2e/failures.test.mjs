import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  useBrowserAndStack, signInAtProvider, recordRequests, recordTokenRequests, readEvents,
  describePage, waitForRecordedEvent, waitForStatus, closedPort, LOGIN_BUTTON,
} from './harness.mjs';

const env = useBrowserAndStack();

async function freshPage(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  return { context, page: await context.newPage() };
}

test('an unreachable token endpoint gives network_error and an enabled Log in button', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshPage(t);
  const deadEndpoint = `http://127.0.0.1:${await closedPort()}/token`;
  const realTokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);
  const deadTokenRequests = recordTokenRequests(context, deadEndpoint);

  await page.goto(env.stack.pageUrl({ 'token-endpoint': deadEndpoint }));
  await waitForStatus(page, 'signed-out');
  await page.click(LOGIN_BUTTON);
  await signInAtProvider(page, 'dave');

  const error = await waitForRecordedEvent(page, 'error');
  assert.equal(error.detail.code, 'network_error', await describePage(page));
  assert.equal(typeof error.detail.message, 'string');
  await waitForStatus(page, 'signed-out');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is usable');

  assert.ok(deadTokenRequests.requests.length >= 1, 'the explicit token endpoint was tried');
  assert.deepEqual(realTokenRequests.requests, [], 'the discovered token endpoint was not used');
  const events = await readEvents(page);
  assert.equal(events.filter((e) => e.type === 'error').length, 1, 'exactly one error event');
  assert.equal(events.some((e) => e.type === 'token' || e.type === 'login'), false);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('a missing client-id gives invalid_config and never navigates', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshPage(t);
  const providerRequests = recordRequests(context, (url) => url.origin === new URL(env.stack.issuer).origin
    && !url.pathname.startsWith('/.well-known/'));

  const pageUrl = env.stack.pageUrl({ client_id: null });
  await page.goto(pageUrl);
  const error = await waitForRecordedEvent(page, 'error');
  assert.equal(error.detail.code, 'invalid_config', await describePage(page));
  assert.match(error.detail.message, /client-id/, 'the message names the attribute');

  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });

  const button = page.locator(LOGIN_BUTTON);
  assert.equal(await button.count(), 1, 'a Log in button is rendered');
  assert.equal(await button.isDisabled(), true, 'the Log in button is disabled');
  await button.dispatchEvent('click');
  const loginOutcome = await page.evaluate(async () => {
    try {
      await document.querySelector('pkce-login').login();
      return 'resolved';
    } catch (error) {
      return `rejected: ${error?.code ?? error?.message ?? error}`;
    }
  });
  await sleep(500);

  t.diagnostic(`login() with a missing client-id: ${loginOutcome}`);
  assert.equal(navigations, 0, 'no navigation');
  assert.equal(page.url(), pageUrl, 'still on the page');
  assert.deepEqual(providerRequests.requests, [], 'no request to the provider beyond discovery');
  const events = await readEvents(page);
  assert.ok(events.every((e) => e.type === 'error' && e.detail.code === 'invalid_config'),
    `only invalid_config errors: ${JSON.stringify(events)}`);
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});
