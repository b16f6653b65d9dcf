/**
 * oauth2-mock-server 9.3: approves every request, RS256 ID tokens for `johndoe`, userinfo,
 * refresh tokens, an end-session endpoint that redirects back, a revocation endpoint.
 * Attributes: `issuer` and `client-id` only (docs/providers.md, "oauth2-mock-server"); its issuer
 * is `http://localhost:<port>` even though it listens on 127.0.0.1.
 */
import { test } from 'node:test';
import { useBrowserAndApp, runJourney } from './helpers.mjs';
import { startOAuth2MockServer, USER } from './launchers/oauth2-mock-server.mjs';

const env = useBrowserAndApp();
const ACCESS_TOKEN_TTL = 5;

test('oauth2-mock-server: login, reload, refresh, logout', { timeout: 120_000 }, async (t) => {
  const provider = await startOAuth2MockServer({ accessTokenTtl: ACCESS_TOKEN_TTL });
  t.after(() => provider.close());
  const metadata = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();

  await runJourney(t, env, {
    // any client id: the mock server has no client registry
    attributes: { issuer: provider.issuer, 'client-id': 'pkce-login-interop' },
    name: USER.name,
    claims: { sub: USER.sub, email: USER.email },
    tokenEndpoint: metadata.token_endpoint,
    userinfoEndpoint: metadata.userinfo_endpoint,
    endSessionEndpoint: metadata.end_session_endpoint,
    revocationEndpoint: metadata.revocation_endpoint,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    // no login page: the authorization endpoint answers the redirect URI at once
    async signIn() {},
  });
});
