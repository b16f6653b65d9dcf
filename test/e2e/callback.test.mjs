import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  useBrowserAndStack, cancelAtProvider, loginThroughProvider, recordTokenRequests,
  readEvents, describePage, poll, waitForRecordedEvent, waitForStatus, LOGIN_BUTTON,
} from './harness.mjs';

const env = useBrowserAndStack();

async function freshPage(t) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  return { context, page: await context.newPage() };
}

/** Waits until the element is no longer busy and returns its status. */
async function settledStatus(page) {
  const status = await poll(async () => {
    const value = await page.evaluate(() => document.querySelector('pkce-login')?.status);
    return value === 'signed-in' || value === 'signed-out' ? value : undefined;
  }, { describe: () => describePage(page) });
  await sleep(250);
  return status;
}

/** The error events recorded after `since` (page clock, epoch ms). */
async function errorsSince(page, since) {
  return (await readEvents(page)).filter((e) => e.type === 'error' && e.at >= since);
}

test('a replayed callback URL is refused with state_mismatch and no token request', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshPage(t);
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);
  const { callbackUrl } = await loginThroughProvider(page, env.stack, 'carol');
  await waitForRecordedEvent(page, 'login');
  assert.ok(callbackUrl, 'the authorization response URL was seen');
  assert.equal(tokenRequests.requests.length, 1, 'one code exchange for the real login');

  const since = await page.evaluate(() => Date.now());
  await page.goto(callbackUrl);
  const error = await waitForRecordedEvent(page, 'error', {
    predicate: (e) => e.at >= since && e.detail?.code === 'state_mismatch',
  });
  assert.equal(typeof error.detail.message, 'string');
  await settledStatus(page);

  assert.equal(tokenRequests.requests.length, 1, `no token request after the replay: ${
    JSON.stringify(tokenRequests.requests)}`);
  const errors = await errorsSince(page, since);
  assert.deepEqual(errors.map((e) => e.detail.code), ['state_mismatch'], 'exactly one error event');
  const button = page.locator(`${LOGIN_BUTTON}, pkce-login button[part~="logout"]`);
  assert.equal(await button.isEnabled(), true, 'the element stays usable');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('a forged state is refused with state_mismatch and no token request', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshPage(t);
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);
  await page.goto(env.stack.pageUrl());
  await waitForStatus(page, 'signed-out');

  const forged = new URL(env.stack.pageUrl());
  forged.search = new URLSearchParams({
    code: randomBytes(32).toString('base64url'),
    state: randomBytes(16).toString('base64url'),
    iss: env.stack.issuer,
  }).toString();
  await page.goto(forged.href);
  await waitForRecordedEvent(page, 'error', { predicate: (e) => e.detail?.code === 'state_mismatch' });
  assert.equal(await settledStatus(page), 'signed-out');

  assert.deepEqual(tokenRequests.requests, [], 'no token request');
  const errors = (await readEvents(page)).filter((e) => e.type === 'error');
  assert.deepEqual(errors.map((e) => e.detail.code), ['state_mismatch'], 'exactly one error event');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is usable');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});

test('access_denied from the provider is reported and Log in stays usable', { timeout: 30_000 }, async (t) => {
  const { context, page } = await freshPage(t);
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);
  await page.goto(env.stack.pageUrl());
  await waitForStatus(page, 'signed-out');
  await page.click(LOGIN_BUTTON);
  const { callbackUrl } = await cancelAtProvider(page);
  assert.equal(new URL(callbackUrl).searchParams.get('error'), 'access_denied',
    'the provider answered access_denied');

  const error = await waitForRecordedEvent(page, 'error');
  assert.equal(error.detail.code, 'access_denied', await describePage(page));
  assert.equal(typeof error.detail.message, 'string');
  assert.match(error.detail.description ?? '', /aborted/i, 'the provider description is passed on');
  assert.equal(await settledStatus(page), 'signed-out');

  const errors = (await readEvents(page)).filter((e) => e.type === 'error');
  assert.equal(errors.length, 1, 'exactly one error event');
  assert.deepEqual(tokenRequests.requests, [], 'no token request');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is usable');
  assert.deepEqual(await page.evaluate(() => window.__pageErrors), []);
});
