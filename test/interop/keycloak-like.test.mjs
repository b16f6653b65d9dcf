/**
 * Keycloak-like profile (node oidc-provider playing Keycloak where it matters to the element): a
 * `/realms/<realm>` issuer; `iss` in authorization responses (RFC 9207); PAR and DPoP advertised,
 * so the element binds its tokens with DPoP on its own. Attributes: `issuer` and `client-id` only
 * (docs/providers.md, "Keycloak"); a client that requires PAR (a per-client setting, not in
 * discovery) adds `par`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowserAndApp, runJourney, signInAtOidcProvider, confirmOidcProviderLogout } from './helpers.mjs';
import { startOidcProfile, findAccount, USER, DEFAULT_CLIENT_ID } from './launchers/oidc-profile.mjs';

const env = useBrowserAndApp();
const ACCESS_TOKEN_TTL = 5;
const PAR_CLIENT_ID = 'pkce-login-par';

/** Keycloak's route names, below the realm. */
const ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  end_session: '/protocol/openid-connect/logout',
  revocation: '/protocol/openid-connect/revoke',
  jwks: '/protocol/openid-connect/certs',
  pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
};

async function startKeycloakLike(t) {
  const publicClient = (clientId, extra = {}) => ({
    client_id: clientId,
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [env.app.redirectUri],
    post_logout_redirect_uris: [env.app.redirectUri],
    ...extra,
  });
  const profile = await startOidcProfile({
    redirectUri: env.app.redirectUri,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    issuerPath: '/realms/interop',
    clients: [
      publicClient(DEFAULT_CLIENT_ID),
      // Keycloak's "Pushed authorization request required" client setting
      publicClient(PAR_CLIENT_ID, { require_pushed_authorization_requests: true }),
    ],
    configOverrides: { findAccount, routes: ROUTES, features: { dPoP: { enabled: true } } },
  });
  t.after(() => profile.close());
  const metadata = await (await fetch(`${profile.issuer}/.well-known/openid-configuration`)).json();
  assert.equal(metadata.authorization_response_iss_parameter_supported, true, 'RFC 9207 advertised');
  assert.ok(metadata.dpop_signing_alg_values_supported?.includes('ES256'), 'DPoP advertised');
  assert.ok(metadata.pushed_authorization_request_endpoint, 'PAR advertised');
  assert.notEqual(metadata.require_pushed_authorization_requests, true, 'PAR not required for every client');
  return { profile, metadata };
}

function journey(profile, metadata, attributes, more = {}) {
  return {
    attributes: { issuer: profile.issuer, ...attributes },
    name: USER.name,
    claims: { sub: USER.sub, email: USER.email },
    tokenType: 'DPoP',
    callbackIss: true,
    tokenEndpoint: metadata.token_endpoint,
    userinfoEndpoint: metadata.userinfo_endpoint,
    endSessionEndpoint: metadata.end_session_endpoint,
    revocationEndpoint: metadata.revocation_endpoint,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    signIn: (page) => signInAtOidcProvider(page, USER.login, env.app.origin),
    signOut: (page) => confirmOidcProviderLogout(page, metadata.end_session_endpoint),
    ...more,
  };
}

test('Keycloak-like: login, reload, refresh, logout (DPoP, iss)', { timeout: 120_000 }, async (t) => {
  const { profile, metadata } = await startKeycloakLike(t);
  await runJourney(t, env, journey(profile, metadata, { 'client-id': DEFAULT_CLIENT_ID }));
});

test('Keycloak-like: a client that requires PAR, with the par attribute', { timeout: 120_000 }, async (t) => {
  const { profile, metadata } = await startKeycloakLike(t);
  await runJourney(t, env, journey(profile, metadata, { 'client-id': PAR_CLIENT_ID, par: '' }, {
    parEndpoint: metadata.pushed_authorization_request_endpoint,
  }));
});
