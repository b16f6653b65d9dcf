/**
 * Glewlwyd 2.7.5 (Debian glewlwyd) with its OpenID Connect plugin, started from scratch for each
 * test by providers/glewlwyd/launch.mjs: SQLite from the package's init script, an RSA key
 * generated at start, a user, and a public client (PKCE required of public clients). Its own login
 * page (glewlwyd's web app: login and password, then the scope grant) is driven as a user would.
 *
 * Attributes (docs/providers.md, "Glewlwyd"): `issuer` and `client-id` only; `par` to push the
 * authorization request (RFC 9126; glewlwyd offers PAR without requiring it).
 *
 * Logout: glewlwyd's end_session returns to `post_logout_redirect_uri` only when the request
 * carries `state`, which the element sends (issue 13.3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowserAndApp, runJourney } from './helpers.mjs';
import { startGlewlwyd } from './providers/glewlwyd/launch.mjs';

const env = useBrowserAndApp();
/** The OIDC plugin's access-token-duration here: short, so that the refresh grant comes within the test. */
const ACCESS_TOKEN_TTL = 5;
const CLIENT_ID = 'pkce-login-glewlwyd';
const USER = { username: 'alice', password: 'correct horse battery staple', name: 'Alice Liddell', email: 'alice@example.test' };

async function start(t, plugins) {
  const glewlwyd = await startGlewlwyd({
    appOrigin: env.app.origin,
    users: [USER],
    clients: [{ client_id: CLIENT_ID, redirect_uri: [env.app.redirectUri], post_logout_redirect_uris: [env.app.redirectUri] }],
    plugins: plugins.map((name) => ({
      name,
      parameters: {
        'access-token-duration': ACCESS_TOKEN_TTL,
        ...(name === 'oidc-dpop' ? { 'oauth-dpop-allowed': true } : {}),
      },
    })),
  });
  t.after(() => glewlwyd.close());
  t.diagnostic(`glewlwyd ready in ${glewlwyd.startedIn} ms`);
  const discover = async (name) => {
    const response = await fetch(`${glewlwyd.issuer(name)}/.well-known/openid-configuration`, {
      headers: { origin: env.app.origin },
    });
    assert.equal(response.status, 200, `discovery of ${name}`);
    assert.equal(response.headers.get('access-control-allow-origin'), env.app.origin, 'CORS for the app');
    return response.json();
  };
  return { glewlwyd, discover };
}

/**
 * glewlwyd's login page: login and password, then the scope grant (every scope checked, "Grant
 * access", "Continue"); resolves once the browser is on its way back to the app.
 */
async function signInAtGlewlwyd(page, glewlwyd) {
  await page.waitForURL((url) => url.origin === glewlwyd.origin && url.pathname === '/login.html', {
    timeout: 20_000, waitUntil: 'domcontentloaded',
  });
  await page.fill('#username', USER.username);
  await page.fill('#password', USER.password);
  await page.click('#loginbut');
  await page.getByRole('button', { name: 'Grant access' }).waitFor({ timeout: 20_000 });
  for (const box of await page.locator('input[id^="grant-"]').all()) await box.check();
  await page.getByRole('button', { name: 'Grant access' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/**
 * glewlwyd's end-session page ("The client … wishes you to close the current session"): Logout;
 * resolves once the browser has left glewlwyd.
 */
async function confirmLogoutAtGlewlwyd(page, glewlwyd) {
  await page.waitForURL((url) => url.origin === glewlwyd.origin && url.pathname === '/login.html'
    && url.searchParams.get('prompt') === 'end_session', { timeout: 20_000, waitUntil: 'domcontentloaded' });
  await page.locator('button.btn-danger', { hasText: 'Logout' }).first().click();
  try {
    await page.waitForURL((url) => url.origin !== glewlwyd.origin, { timeout: 5_000, waitUntil: 'commit' });
  } catch (error) {
    const text = await page.locator('body').innerText({ timeout: 1000 }).catch(() => '');
    throw new Error('glewlwyd ended its session but stayed on its own page'
      + ` (${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 120))}): it returns to`
      + ' post_logout_redirect_uri only when the end-session request carries state', { cause: error });
  }
}

function journey(glewlwyd, metadata, more = {}) {
  return {
    attributes: { issuer: metadata.issuer, 'client-id': CLIENT_ID },
    name: USER.name,
    claims: { name: USER.name, email: USER.email },
    tokenEndpoint: metadata.token_endpoint,
    userinfoEndpoint: metadata.userinfo_endpoint,
    endSessionEndpoint: metadata.end_session_endpoint,
    // glewlwyd's /revoke takes confidential clients or a bearer token with a configured scope,
    // not a public client: left off, so discovery names none and logout revokes nothing.
    revocationEndpoint: null,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    signIn: (page) => signInAtGlewlwyd(page, glewlwyd),
    signOut: (page) => confirmLogoutAtGlewlwyd(page, glewlwyd),
    ...more,
  };
}

test('glewlwyd 2.7.5: login, reload, refresh, logout', { timeout: 180_000 }, async (t) => {
  const { glewlwyd, discover } = await start(t, ['oidc']);
  const metadata = await discover('oidc');
  assert.equal(metadata.issuer, glewlwyd.issuer('oidc'));
  assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
  assert.equal(metadata.end_session_endpoint, `${glewlwyd.issuer('oidc')}/end_session`);
  assert.equal(metadata.revocation_endpoint, undefined);
  assert.equal(metadata.require_pushed_authorization_requests, false, 'PAR offered, not required');
  await runJourney(t, env, journey(glewlwyd, metadata));
});

test('glewlwyd 2.7.5: PAR (par attribute)', { timeout: 180_000 }, async (t) => {
  const { glewlwyd, discover } = await start(t, ['oidc']);
  const metadata = await discover('oidc');
  assert.equal(metadata.pushed_authorization_request_endpoint, `${glewlwyd.issuer('oidc')}/par`);
  await runJourney(t, env, journey(glewlwyd, metadata, {
    attributes: { issuer: metadata.issuer, 'client-id': CLIENT_ID, par: '' },
    parEndpoint: metadata.pushed_authorization_request_endpoint,
  }));
});

test('glewlwyd 2.7.5: DPoP (a plugin instance with DPoP allowed)', { timeout: 180_000 }, async (t) => {
  const { glewlwyd, discover } = await start(t, ['oidc-dpop']);
  const metadata = await discover('oidc-dpop');
  assert.ok(metadata.dpop_signing_alg_values_supported?.length, 'DPoP advertised');
  await runJourney(t, env, journey(glewlwyd, metadata, { tokenType: 'DPoP' }));
});
