/**
 * Auth0-like profile (node oidc-provider playing Auth0 where it matters to the element): an
 * issuer with a trailing slash; a JWT access token for an API only when `audience` names it;
 * profile claims in the ID token; no `end_session_endpoint` in discovery (the tenant setting off),
 * while the RP-Initiated Logout endpoint exists at `/oidc/logout`.
 * Attributes (docs/providers.md, "Auth0"): `issuer` with its trailing slash, `client-id`,
 * `audience`, and `end-session-endpoint`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowserAndApp, runJourney, signInAtOidcProvider, confirmOidcProviderLogout, requirePackages } from './helpers.mjs';
import { startOidcProfile, findAccount, without, USER, DEFAULT_CLIENT_ID } from './launchers/oidc-profile.mjs';

const env = useBrowserAndApp();
const ACCESS_TOKEN_TTL = 5;
const API = 'https://api.example.test/';

test('Auth0-like: login with an audience, reload, refresh, logout at /oidc/logout', { timeout: 120_000 }, async (t) => {
  const [{ errors }] = await requirePackages(['oidc-provider']);
  const profile = await startOidcProfile({
    redirectUri: env.app.redirectUri,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    issuerPath: '/',
    configOverrides: {
      findAccount,
      // Auth0 puts the profile claims in the ID token.
      conformIdTokenClaims: false,
      extraParams: ['audience'],
      routes: { end_session: '/oidc/logout' },
      features: {
        dPoP: { enabled: false },
        // Auth0's `audience` is a resource indicator under another name.
        resourceIndicators: {
          enabled: true,
          defaultResource: (ctx, client, oneOf) => oneOf ?? ctx.oidc.params?.audience ?? undefined,
          useGrantedResource: () => true,
          getResourceServerInfo(ctx, resource) {
            if (resource !== API) throw new errors.InvalidTarget();
            return { scope: 'read:messages', audience: API, accessTokenFormat: 'jwt', accessTokenTTL: ACCESS_TOKEN_TTL, jwt: { sign: { alg: 'RS256' } } };
          },
        },
      },
    },
    discovery: without('end_session_endpoint'),
  });
  t.after(() => profile.close());
  assert.ok(profile.issuer.endsWith('/'), 'the issuer ends with a slash');
  const metadata = await (await fetch(`${profile.issuer}.well-known/openid-configuration`)).json();
  assert.equal(metadata.issuer, profile.issuer);
  assert.equal(metadata.end_session_endpoint, undefined, 'no end_session_endpoint in discovery');
  const endSessionEndpoint = `${profile.origin}/oidc/logout`;

  await runJourney(t, env, {
    attributes: {
      issuer: profile.issuer,
      'client-id': DEFAULT_CLIENT_ID,
      audience: API,
      'end-session-endpoint': endSessionEndpoint,
    },
    name: USER.name,
    claims: { sub: USER.sub, name: USER.name, email: USER.email },
    tokenEndpoint: metadata.token_endpoint,
    endSessionEndpoint,
    revocationEndpoint: metadata.revocation_endpoint,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    accessToken(token) {
      const [, payload] = token.split('.');
      assert.ok(payload, 'a JWT access token');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      assert.equal(claims.aud, API, 'for the audience');
      assert.equal(claims.iss, profile.issuer, 'from the issuer');
    },
    signIn: (page) => signInAtOidcProvider(page, USER.login, env.app.origin),
    signOut: (page) => confirmOidcProviderLogout(page, endSessionEndpoint),
  });
});
