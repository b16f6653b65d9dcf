// Security review (issue 12) finding 10, in a real browser: a <pkce-login> in an iframe sandboxed
// with `allow-scripts` only (an opaque origin, "null") refuses to run: one `error` event with
// `invalid_config` saying why, a disabled Log in button, and no request to the provider. Two
// frames: an about:srcdoc document, and a page served from the app's own server, whose address
// (location.origin) looks like the app's while its origin (self.origin) is "null".
//
// The bundle and the frame's script are module scripts fetched from an opaque origin, so in CORS
// mode: the static server sends `Access-Control-Allow-Origin: *` for those two files only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { poll, recordRequests, useBrowserAndStack } from './harness.mjs';

const CORS_FILES = new Set(['/dist/pkce-login.js', '/test/e2e/pages/sandboxed-inner.js']);

const env = useBrowserAndStack({
  headers: (pathname) => (CORS_FILES.has(pathname) ? { 'Access-Control-Allow-Origin': '*' } : undefined),
});

test('a <pkce-login> in a sandboxed iframe reports invalid_config and stays disabled, srcdoc and served page alike', { timeout: 30_000 }, async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const providerRequests = recordRequests(context, (url) => url.origin === new URL(env.stack.issuer).origin);
  const page = await context.newPage();

  await page.goto(env.stack.pageUrl({}, 'sandboxed'));
  const frames = ['srcdoc', 'served'];
  const reports = await poll(
    async () => {
      const all = await page.evaluate(() => window.__frames);
      return frames.every((name) => all.some((r) => r.frame === name && r.type === 'error')) ? all : undefined;
    },
    { describe: async () => JSON.stringify(await page.evaluate(() => window.__frames)) },
  );
  // Room for a late second event or request.
  await sleep(300);
  const final = await page.evaluate(() => window.__frames);

  for (const name of frames) {
    const mine = final.filter((r) => r.frame === name);
    assert.deepEqual(mine.filter((r) => r.type === 'page-error'), [], `${name}: uncaught errors`);
    const events = mine.filter((r) => ['token', 'login', 'logout', 'error'].includes(r.type));
    assert.equal(events.length, 1, `${name}: exactly one event, got ${JSON.stringify(events)}`);
    const [error] = events;
    assert.equal(error.type, 'error');
    assert.equal(error.detail.code, 'invalid_config', `${name}: ${JSON.stringify(error.detail)}`);
    assert.match(error.detail.message, /opaque origin/, `${name}: the message says why`);
    assert.equal(error.origin, 'null', `${name}: the frame's origin is opaque`);

    const frame = page.frame({ name });
    assert.ok(frame, `${name}: frame found`);
    const button = frame.locator('pkce-login button[part~="login"]');
    assert.equal(await button.isDisabled(), true, `${name}: the Log in button is disabled`);
  }
  // The served page's address looks like the app's: only self.origin shows the sandbox.
  assert.equal(final.find((r) => r.frame === 'served').locationOrigin, env.stack.appOrigin);
  assert.ok(reports.length > 0);
  assert.deepEqual(providerRequests.requests, [], 'no request to the provider (no discovery)');
});
