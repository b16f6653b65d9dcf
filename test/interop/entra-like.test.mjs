/**
 * Entra-like profile (node oidc-provider playing Microsoft Entra ID where it matters to the
 * element): a `/<tenant>/v2.0` issuer; a refresh token only when `offline_access` is asked for;
 * no revocation endpoint, so logout cannot revoke. Attributes: `issuer` and `client-id` only
 * (docs/providers.md, "Microsoft Entra ID"): `refresh="on"`, the default, asks for offline_access.
 */
import { test } from 'node:test';
import { useBrowserAndApp, runJourney, signInAtOidcProvider, confirmOidcProviderLogout } from './helpers.mjs';
import { startOidcProfile, findAccount, USER, DEFAULT_CLIENT_ID } from './launchers/oidc-profile.mjs';

const env = useBrowserAndApp();
const ACCESS_TOKEN_TTL = 5;
const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

test('Entra-like: login, reload, refresh, logout', { timeout: 120_000 }, async (t) => {
  const profile = await startOidcProfile({
    redirectUri: env.app.redirectUri,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    issuerPath: `/${TENANT}/v2.0`,
    configOverrides: {
      findAccount,
      // Entra issues a refresh token only for the offline_access scope.
      issueRefreshToken: (ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
      features: { revocation: { enabled: false }, dPoP: { enabled: false } },
    },
    routes: {
      // oidc-provider grants offline_access only with prompt=consent (OIDC Core §11); Entra
      // grants it as asked.
      [`GET /${TENANT}/v2.0/auth`]: (req, res, { url, forward }) => {
        if (url.searchParams.get('scope')?.split(' ').includes('offline_access') && !url.searchParams.has('prompt')) {
          url.searchParams.set('prompt', 'consent');
        }
        forward(`${url.pathname}${url.search}`);
      },
    },
  });
  t.after(() => profile.close());
  const metadata = await (await fetch(`${profile.issuer}/.well-known/openid-configuration`)).json();

  await runJourney(t, env, {
    attributes: { issuer: profile.issuer, 'client-id': DEFAULT_CLIENT_ID },
    name: USER.name,
    claims: { sub: USER.sub, email: USER.email },
    tokenEndpoint: metadata.token_endpoint,
    userinfoEndpoint: metadata.userinfo_endpoint,
    endSessionEndpoint: metadata.end_session_endpoint,
    revocationEndpoint: null,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    signIn: (page) => signInAtOidcProvider(page, USER.login, env.app.origin),
    signOut: (page) => confirmOidcProviderLogout(page, metadata.end_session_endpoint),
  });
});
