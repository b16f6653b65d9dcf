// What the logout URL carries (issue 12, finding 8): RP-Initiated Logout is a GET whose query
// has the ID token as `id_token_hint`, and no other token. The README and the threat model say
// so (test/node/security-docs.test.mjs); this test holds the element to it, against the real
// provider, with the real token values read from the token endpoint's response.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  confirmLogoutAtProvider, loginThroughProvider, LOGOUT_BUTTON, poll, readEvents, useBrowserAndStack, waitForStatus,
} from './harness.mjs';

const fixture = useBrowserAndStack();

test('logout sends the ID token as id_token_hint in the end-session URL, and no access or refresh token in any URL', { timeout: 30_000 }, async (t) => {
  const { browser, stack } = fixture;
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const tokens = [];
  await page.route(stack.tokenEndpoint, async (route) => {
    const response = await route.fetch();
    tokens.push(await response.json());
    await route.fulfill({ response });
  });
  const urls = [];
  context.on('request', (request) => urls.push(request.url()));
  await loginThroughProvider(page, stack, 'grace');
  const { id_token: idToken, access_token: accessToken, refresh_token: refreshToken } = tokens[0];
  assert.ok(idToken && accessToken && refreshToken, 'the provider issued all three tokens');

  await page.click(LOGOUT_BUTTON);
  await confirmLogoutAtProvider(page, { issuer: stack.issuer });
  await waitForStatus(page, 'signed-out');

  const endSession = urls.filter((url) => url.startsWith(stack.metadata.end_session_endpoint));
  assert.ok(endSession.length >= 1, 'the provider end-session endpoint was visited');
  const query = new URL(endSession[0]).searchParams;
  assert.equal(query.get('id_token_hint'), idToken, 'the ID token is the id_token_hint');
  assert.deepEqual([...query.keys()].sort(), ['client_id', 'id_token_hint', 'post_logout_redirect_uri', 'state']);
  // Issue 13.3: a logout state, which the provider sends back and the element checks and removes.
  assert.match(query.get('state'), /^l\.[A-Za-z0-9_-]{22,}$/);
  const returns = urls.filter((url) => url.startsWith(query.get('post_logout_redirect_uri')) && !url.includes('code='))
    .map((url) => new URL(url).searchParams.get('state')).filter(Boolean);
  assert.deepEqual(returns, [query.get('state')], 'the provider returned the state');
  await poll(() => !new URL(page.url()).searchParams.has('state'));
  assert.deepEqual((await readEvents(page)).filter((e) => e.type === 'error'), [], 'the returned state matched: no error');
  const withIdToken = urls.filter((url) => url.includes(idToken));
  assert.deepEqual(withIdToken.map((url) => url.split('?')[0]), endSession.slice(0, withIdToken.length).map((url) => url.split('?')[0]),
    'only the end-session request carries the ID token');
  for (const [name, token] of [['access token', accessToken], ['refresh token', refreshToken]]) {
    assert.deepEqual(urls.filter((url) => url.includes(token)), [], `no URL carries the ${name}`);
  }
});
