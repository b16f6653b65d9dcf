/**
 * better-auth 1.7 + @better-auth/oauth-provider: OpenID Connect with EdDSA ID tokens, DPoP,
 * RFC 9207 `iss`, userinfo, rotating refresh tokens, RP-Initiated Logout and revocation.
 * Attributes: `issuer` and `client-id` only (docs/providers.md, "better-auth").
 */
import { test } from 'node:test';
import { useBrowserAndApp, runJourney } from './helpers.mjs';
import { startBetterAuth, USER } from './launchers/better-auth.mjs';

const env = useBrowserAndApp();
const ACCESS_TOKEN_TTL = 5;

test('better-auth: login, reload, refresh, logout', { timeout: 120_000 }, async (t) => {
  const provider = await startBetterAuth({
    appOrigin: env.app.origin,
    redirectUri: env.app.redirectUri,
    accessTokenTtl: ACCESS_TOKEN_TTL,
  });
  t.after(() => provider.close());
  const metadata = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();

  await runJourney(t, env, {
    attributes: { issuer: provider.issuer, 'client-id': provider.clientId },
    name: USER.name,
    claims: { email: USER.email },
    tokenType: 'DPoP',
    tokenEndpoint: metadata.token_endpoint,
    userinfoEndpoint: metadata.userinfo_endpoint,
    endSessionEndpoint: metadata.end_session_endpoint,
    revocationEndpoint: metadata.revocation_endpoint,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    async signIn(page) {
      await page.waitForURL((url) => url.pathname === '/login', { timeout: 20_000 });
      await page.fill('input[name="email"]', USER.email);
      await page.fill('input[name="password"]', USER.password);
      await page.click('button[type="submit"]');
    },
  });
});
