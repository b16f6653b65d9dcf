/**
 * Google-like profile (node oidc-provider playing Google where it matters to the element): a
 * "Web application" client has a client secret, and the token endpoint demands it even with
 * PKCE, answering `invalid_request` / "client_secret is missing." as Google does. The element has
 * no secret (and will not get one): the login cannot complete, and the `error` event must name
 * the cause. docs/providers.md, "Google".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowserAndApp, recordExchanges, endpoint, signInAtOidcProvider } from './helpers.mjs';
import { startOidcProfile, findAccount, readForm, USER } from './launchers/oidc-profile.mjs';
import { readEvents, describePage, poll, waitForStatus, LOGIN_BUTTON } from '../e2e/harness.mjs';

const env = useBrowserAndApp();
const CLIENT_ID = '1234567890-interop.apps.googleusercontent.test';

test('Google-like: the token endpoint demands a client secret; the error names it', { timeout: 60_000 }, async (t) => {
  const profile = await startOidcProfile({
    redirectUri: env.app.redirectUri,
    accessTokenTtl: 3600,
    clients: [{
      client_id: CLIENT_ID,
      client_secret: 'a secret a web page cannot keep',
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [env.app.redirectUri],
    }],
    configOverrides: {
      findAccount,
      features: { rpInitiatedLogout: { enabled: false }, dPoP: { enabled: false } },
    },
    routes: {
      // Google's answer to a code grant without the client secret (oidc-provider's own would be
      // invalid_client, "client authentication failed").
      'POST /token': async (req, res) => {
        const { form } = await readForm(req);
        res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
        res.setHeader('content-type', 'application/json; charset=utf-8');
        if (!form.get('client_secret') && !req.headers.authorization) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: 'invalid_request', error_description: 'client_secret is missing.' }));
        } else {
          res.statusCode = 501;
          res.end(JSON.stringify({ error: 'server_error', error_description: 'not played by this profile' }));
        }
      },
    },
  });
  t.after(() => profile.close());
  const metadata = await (await fetch(`${profile.issuer}/.well-known/openid-configuration`)).json();

  const context = await env.browser.newContext();
  t.after(() => context.close());
  const tokenCalls = recordExchanges(context, endpoint(metadata.token_endpoint));
  const page = await context.newPage();
  await page.goto(env.app.pageUrl({ issuer: profile.issuer, 'client-id': CLIENT_ID }));
  await waitForStatus(page, 'signed-out');
  await page.click(LOGIN_BUTTON);
  await signInAtOidcProvider(page, USER.login, env.app.origin);

  const error = await poll(async () => (await readEvents(page)).find((e) => e.type === 'error'), {
    timeout: 20_000,
    describe: async () => `${await describePage(page)}; token requests: ${JSON.stringify(tokenCalls)}`,
  });
  assert.equal(error.detail.code, 'invalid_request');
  assert.equal(error.detail.description, 'client_secret is missing.', 'the provider\'s own words');
  assert.deepEqual(tokenCalls.map((c) => [c.grantType, c.status, 'client_secret' in c.form]), [['authorization_code', 400, false]],
    'one code grant, without a secret, refused');
  await waitForStatus(page, 'signed-out');
  const events = await readEvents(page);
  assert.deepEqual(events.filter((e) => e.type === 'token' || e.type === 'login'), [], 'no token, no login');
  assert.equal(await page.locator(LOGIN_BUTTON).isEnabled(), true, 'Log in is usable again');
});
