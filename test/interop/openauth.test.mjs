/**
 * OpenAuth 0.4: plain OAuth 2 (RFC 8414 metadata only, no ID token), its password login page,
 * refresh tokens; no end-session or revocation endpoint, so logout is local.
 * Attributes (docs/providers.md, "OpenAuth"): `issuer`, `client-id`, `scope` without `openid`
 * (there is no ID token), `userinfo-endpoint` (the app's /userinfo route on the issuer host).
 *
 * Todo until the widget handles what OpenAuth sends: its /.well-known/openid-configuration 404
 * has no CORS header, so the RFC 8414 fallback never runs (13.2); its token response has no
 * `token_type` (13.8).
 */
import { test } from 'node:test';
import { useBrowserAndApp, runJourney } from './helpers.mjs';
import { startOpenAuth, USER, CLIENT_ID } from './launchers/openauth.mjs';

const env = useBrowserAndApp();
const ACCESS_TOKEN_TTL = 5;

test('OpenAuth: login, reload, refresh, logout', { timeout: 120_000 }, async (t) => {
  const provider = await startOpenAuth({ appOrigin: env.app.origin, accessTokenTtl: ACCESS_TOKEN_TTL });
  t.after(() => provider.close());
  const metadata = await (await fetch(`${provider.issuer}/.well-known/oauth-authorization-server`)).json();

  await runJourney(t, env, {
    attributes: {
      issuer: provider.issuer,
      'client-id': CLIENT_ID,
      scope: 'profile email',
      'userinfo-endpoint': provider.userinfoEndpoint,
    },
    name: USER.name,
    claims: { sub: USER.email, email: USER.email },
    tokenEndpoint: metadata.token_endpoint,
    userinfoEndpoint: provider.userinfoEndpoint,
    revocationEndpoint: null,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    async signIn(page) {
      await page.waitForURL((url) => url.pathname === '/password/authorize', { timeout: 20_000 });
      await page.fill('input[name="email"]', USER.email);
      await page.fill('input[name="password"]', USER.password);
      await page.click('button[data-component="button"]');
    },
  });
});
