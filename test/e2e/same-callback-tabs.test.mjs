// Issue 3, item 1: the same callback URL opened in two tabs at once makes one token request;
// the tab that waited takes the other's result and ends signed in, with no error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useBrowserAndStack, signInAtProvider, recordTokenRequests, readEvents, waitForStatus,
  poll, LOGIN_BUTTON,
} from './harness.mjs';

const env = useBrowserAndStack();

test('one callback URL opened in two tabs at once: one code exchange, both signed in, no error', { timeout: 45_000 }, async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const first = await context.newPage();
  const tokenRequests = recordTokenRequests(context, env.stack.tokenEndpoint);

  await first.goto(env.stack.pageUrl());
  await waitForStatus(first, 'signed-out');
  // Hold the token endpoint's answer, so that the second tab arrives while the first one is
  // still exchanging the code.
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await context.route(env.stack.tokenEndpoint, async (route) => {
    if (route.request().method() === 'POST') await held;
    await route.continue();
  });
  await first.click(LOGIN_BUTTON);
  const { callbackUrl } = await signInAtProvider(first, 'ines');
  assert.ok(callbackUrl, 'the provider redirected back with a code');
  await poll(() => tokenRequests.requests.length === 1 || undefined, { describe: 'the first tab sent the token request' });

  // A tab opened from the first shares its sessionStorage (the test page's settings).
  const [second] = await Promise.all([
    context.waitForEvent('page'),
    first.evaluate((url) => window.open(url, '_blank'), callbackUrl),
  ]);
  await waitForStatus(second, 'signing-in');
  release();
  await Promise.all([first, second].map((page) => waitForStatus(page, 'signed-in')));

  const exchanges = tokenRequests.requests.filter((r) => r.grantType === 'authorization_code');
  assert.equal(exchanges.length, 1, 'exactly one code exchange for one code');
  for (const page of [first, second]) {
    const events = await readEvents(page);
    assert.deepEqual(events.filter((e) => e.type === 'error'), [], `no error: ${JSON.stringify(events)}`);
    assert.ok(events.some((e) => e.type === 'login' && e.detail.user.sub === 'ines'), 'signed in as ines');
    assert.ok(!new URL(page.url()).searchParams.has('code'), 'the code left the address bar');
  }
});
