/**
 * Cognito-like profile (node oidc-provider playing Amazon Cognito where it matters to the
 * element): no `end_session_endpoint` in discovery, and a `/logout` endpoint that wants
 * `client_id` and `logout_uri` (not OIDC RP-Initiated Logout); revocation at `/oauth2/revoke`,
 * not in discovery; no `offline_access` scope, and a refresh token with every code grant.
 * Attributes (docs/providers.md, "Amazon Cognito"): `issuer`, `client-id`, `end-session-endpoint`
 * with `post-logout-redirect-param="logout_uri"`, and `revocation-endpoint`.
 */
import { test } from 'node:test';
import { useBrowserAndApp, runJourney, signInAtOidcProvider } from './helpers.mjs';
import { startOidcProfile, findAccount, without, USER, DEFAULT_CLIENT_ID } from './launchers/oidc-profile.mjs';

const env = useBrowserAndApp();
const ACCESS_TOKEN_TTL = 5;

/** oidc-provider's session cookies, which Cognito's /logout ends. */
const SESSION_COOKIES = ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig'];

test('Cognito-like: login, reload, refresh, logout at /logout, revocation at /oauth2/revoke', { timeout: 120_000 }, async (t) => {
  const profile = await startOidcProfile({
    redirectUri: env.app.redirectUri,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    configOverrides: {
      findAccount,
      scopes: ['openid', 'profile', 'email'],
      routes: { authorization: '/oauth2/authorize', token: '/oauth2/token', userinfo: '/oauth2/userInfo', revocation: '/oauth2/revoke' },
      features: { rpInitiatedLogout: { enabled: false }, dPoP: { enabled: false } },
    },
    discovery: without('revocation_endpoint'),
    routes: {
      // Cognito's logout endpoint: client_id and a registered logout_uri, or no way back.
      'GET /logout': (req, res, { url }) => {
        const logoutUri = url.searchParams.get('logout_uri');
        if (url.searchParams.get('client_id') !== DEFAULT_CLIENT_ID || logoutUri !== env.app.redirectUri) {
          res.statusCode = 400;
          res.setHeader('content-type', 'text/plain; charset=utf-8');
          res.end('Required String parameter \'logout_uri\' is not valid');
          return;
        }
        res.setHeader('set-cookie', SESSION_COOKIES.map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`));
        res.statusCode = 302;
        res.setHeader('location', logoutUri);
        res.end();
      },
    },
  });
  t.after(() => profile.close());
  const metadata = await (await fetch(`${profile.issuer}/.well-known/openid-configuration`)).json();
  const logoutEndpoint = `${profile.origin}/logout`;
  const revocationEndpoint = `${profile.origin}/oauth2/revoke`;

  await runJourney(t, env, {
    attributes: {
      issuer: profile.issuer,
      'client-id': DEFAULT_CLIENT_ID,
      'end-session-endpoint': logoutEndpoint,
      'post-logout-redirect-param': 'logout_uri',
      'revocation-endpoint': revocationEndpoint,
    },
    name: USER.name,
    claims: { sub: USER.sub, email: USER.email },
    tokenEndpoint: metadata.token_endpoint,
    userinfoEndpoint: metadata.userinfo_endpoint,
    endSessionEndpoint: logoutEndpoint,
    revocationEndpoint,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    signIn: (page) => signInAtOidcProvider(page, USER.login, env.app.origin),
  });
});
