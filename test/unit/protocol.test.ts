/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from '../../src/protocol/config.js';
import { PkceLoginError } from '../../src/errors.js';
import {
  createAuthorizationRequest,
  discover,
  endSessionUrl,
  exchangeCode,
  withUserinfo,
  MAX_RESPONSE_BYTES,
  validateCallback,
  type ServerMetadata,
  type TokenSet,
} from '../../src/protocol/protocol.js';
import type { TransactionRecord } from '../../src/storage/transaction-store.js';
import { nowSeconds } from '../helpers/jwt.js';
import {
  ACCESS_TOKEN,
  CLIENT_ID,
  DISCOVERY_URL,
  END_SESSION_ENDPOINT,
  installFakeProvider,
  ISSUER,
  json,
  networkFailure,
  providerMetadata,
  REFRESH_TOKEN,
  SUB,
  TOKEN_ENDPOINT,
  tokenBody,
  USERINFO_ENDPOINT,
  userinfoBody,
  type Handler,
} from '../helpers/provider.js';
import { rejection } from '../helpers/rejection.js';

const PAGE = new URL('https://app.example/callback');

function config(input: Partial<ConfigInput> = {}): ResolvedConfig {
  return resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID, ...input }, PAGE);
}


function thrown(fn: () => unknown): PkceLoginError {
  try {
    fn();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PkceLoginError);
    return error as PkceLoginError;
  }
  throw new Error('expected an error');
}

describe('protocol', () => {
  afterEach(() => sinon.restore());

  describe('discover', () => {
    it('should fetch the OpenID Connect discovery document', async () => {
      const provider = installFakeProvider();
      const metadata = await discover(config());
      expect(provider.requests.map((r) => r.url)).to.deep.equal([DISCOVERY_URL]);
      expect(provider.requests[0]!.method).to.equal('GET');
      expect(metadata.issuer).to.equal(ISSUER);
      expect(metadata.token_endpoint).to.equal(TOKEN_ENDPOINT);
      expect(metadata.end_session_endpoint).to.equal(END_SESSION_ENDPOINT);
    });

    it('should insert the well-known path after an issuer path for OIDC discovery', async () => {
      const issuer = 'https://op.example/realms/demo';
      const provider = installFakeProvider({
        'https://op.example/realms/demo/.well-known/openid-configuration': () => json(providerMetadata({ issuer })),
      });
      expect((await discover(config({ issuer }))).issuer).to.equal(issuer);
      expect(provider.requests).to.have.length(1);
    });

    it('should fall back to RFC 8414 oauth-authorization-server metadata on 404', async () => {
      const issuer = 'https://op.example/tenant';
      const provider = installFakeProvider({
        'https://op.example/tenant/.well-known/openid-configuration': () => new Response('not found', { status: 404 }),
        'https://op.example/.well-known/oauth-authorization-server/tenant': () => json(providerMetadata({ issuer })),
      });
      const metadata = await discover(config({ issuer }));
      expect(provider.requests.map((r) => r.url)).to.deep.equal([
        'https://op.example/tenant/.well-known/openid-configuration',
        'https://op.example/.well-known/oauth-authorization-server/tenant',
      ]);
      expect(metadata.issuer).to.equal(issuer);
    });

    it('should fail with discovery_failed when both documents are missing', async () => {
      installFakeProvider({
        [DISCOVERY_URL]: () => new Response('not found', { status: 404 }),
        'https://op.example/.well-known/oauth-authorization-server': () => new Response('not found', { status: 404 }),
      });
      expect((await rejection(discover(config()))).code).to.equal('discovery_failed');
    });

    it('should fail with discovery_failed when the metadata issuer differs from the configured one', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ issuer: 'https://evil.example/' })) });
      const error = await rejection(discover(config()));
      expect(error.code).to.equal('discovery_failed');
      expect(error.message).to.include(ISSUER);
    });

    it('should compare the issuer exactly (a trailing slash makes another issuer)', async () => {
      const issuer = 'https://op.example/realms/x';
      installFakeProvider({
        'https://op.example/realms/x/.well-known/openid-configuration': () => json(providerMetadata({ issuer: `${issuer}/` })),
      });
      expect((await rejection(discover(config({ issuer })))).code).to.equal('discovery_failed');
    });

    it('should fail with discovery_failed when the network fails', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => Promise.reject(networkFailure()) });
      expect((await rejection(discover(config()))).code).to.equal('discovery_failed');
    });

    it('should fail with discovery_failed on a malformed document', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => new Response('<html>', { status: 200, headers: { 'content-type': 'text/html' } }) });
      expect((await rejection(discover(config()))).code).to.equal('discovery_failed');
    });

    it('should fail with discovery_failed when the provider does not support S256', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ code_challenge_methods_supported: ['plain'] })) });
      expect((await rejection(discover(config()))).code).to.equal('discovery_failed');
    });

    it('should fail with discovery_failed on a document larger than 1 MiB', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ padding: 'x'.repeat(MAX_RESPONSE_BYTES) })) });
      expect((await rejection(discover(config()))).code).to.equal('discovery_failed');
    });

    it('should make no request at all with explicit authorization and token endpoints', async () => {
      const provider = installFakeProvider();
      const metadata = await discover(
        config({ authorizationEndpoint: 'https://op.example/a', tokenEndpoint: 'https://op.example/t', endSessionEndpoint: 'https://op.example/bye' }),
      );
      expect(provider.requests).to.have.length(0);
      expect(metadata).to.include({
        issuer: ISSUER,
        authorization_endpoint: 'https://op.example/a',
        token_endpoint: 'https://op.example/t',
        end_session_endpoint: 'https://op.example/bye',
      });
    });

    it('should remove "none" from the ID token signing algorithms', async () => {
      installFakeProvider({ [DISCOVERY_URL]: () => json(providerMetadata({ id_token_signing_alg_values_supported: ['RS256', 'none', 'ES256'] })) });
      expect((await discover(config())).id_token_signing_alg_values_supported).to.deep.equal(['RS256', 'ES256']);
    });

    it('should let explicit endpoints override discovered ones', async () => {
      const provider = installFakeProvider();
      const metadata = await discover(config({ tokenEndpoint: 'https://op.example/other-token', userinfoEndpoint: 'https://op.example/me' }));
      expect(provider.requests).to.have.length(1);
      expect(metadata.token_endpoint).to.equal('https://op.example/other-token');
      expect(metadata.userinfo_endpoint).to.equal('https://op.example/me');
      expect(metadata.authorization_endpoint).to.equal('https://op.example/authorize');
    });

    it('should abandon a discovery request after `timeout` ms', async () => {
      installFakeProvider({
        [DISCOVERY_URL]: ({ signal }) =>
          new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as DOMException))),
      });
      const started = Date.now();
      expect((await rejection(discover(config({ timeout: 50 })))).code).to.equal('discovery_failed');
      expect(Date.now() - started).to.be.below(2000);
    });
  });

  describe('validateCallback', () => {
    async function transaction(metadata: Record<string, unknown> = providerMetadata()): Promise<TransactionRecord> {
      return (await createAuthorizationRequest(config(), { metadata: metadata as ServerMetadata })).record;
    }

    it('should accept a response with the right iss', async () => {
      const record = await transaction();
      const params = validateCallback(record, new URLSearchParams({ code: 'c', state: record.state, iss: ISSUER }));
      expect(params.get('code')).to.equal('c');
    });

    it('should refuse a different iss with iss_mismatch', async () => {
      const record = await transaction();
      const error = thrown(() => validateCallback(record, new URLSearchParams({ code: 'c', state: record.state, iss: 'https://evil.example/' })));
      expect(error.code).to.equal('iss_mismatch');
    });

    it('should refuse a different iss even when the provider does not advertise iss', async () => {
      const record = await transaction(providerMetadata({ authorization_response_iss_parameter_supported: undefined }));
      const error = thrown(() => validateCallback(record, new URLSearchParams({ code: 'c', state: record.state, iss: 'https://evil.example/' })));
      expect(error.code).to.equal('iss_mismatch');
    });

    it('should refuse a missing iss with iss_mismatch when the provider advertises authorization_response_iss_parameter_supported', async () => {
      const record = await transaction();
      const error = thrown(() => validateCallback(record, new URLSearchParams({ code: 'c', state: record.state })));
      expect(error.code).to.equal('iss_mismatch');
    });

    it('should accept a missing iss when the provider does not advertise it', async () => {
      const record = await transaction(providerMetadata({ authorization_response_iss_parameter_supported: false }));
      expect(validateCallback(record, new URLSearchParams({ code: 'c', state: record.state })).get('code')).to.equal('c');
    });

    it("should pass the provider's error code and description through", async () => {
      const record = await transaction();
      const error = thrown(() =>
        validateCallback(
          record,
          new URLSearchParams({ error: 'access_denied', error_description: 'The user said no', state: record.state, iss: ISSUER }),
        ),
      );
      expect(error.code).to.equal('access_denied');
      expect(error.description).to.equal('The user said no');
      expect(error.toDetail()).to.deep.equal({ code: 'access_denied', message: error.message, description: 'The user said no' });
    });

    it('should refuse a response for another state', async () => {
      const record = await transaction();
      expect(() => validateCallback(record, new URLSearchParams({ code: 'c', state: 'other', iss: ISSUER }))).to.throw(PkceLoginError);
    });
  });

  describe('exchangeCode', () => {
    let record: TransactionRecord;
    let params: URLSearchParams;

    async function prepare(metadata: Record<string, unknown> = providerMetadata(), input: Partial<ConfigInput> = {}) {
      record = (await createAuthorizationRequest(config(input), { metadata: metadata as ServerMetadata })).record;
      params = validateCallback(record, new URLSearchParams({ code: 'the-code', state: record.state, iss: ISSUER }));
    }

    beforeEach(() => prepare());

    function tokenResponds(handler: Handler, userinfo?: Handler) {
      return installFakeProvider({ [TOKEN_ENDPOINT]: handler, ...(userinfo ? { [USERINFO_ENDPOINT]: userinfo } : {}) });
    }

    /** The code exchange, then the userinfo completion, as the element runs them. */
    async function exchange(input: Partial<ConfigInput> = {}): Promise<TokenSet> {
      const tokens = await exchangeCode(config(input), record, params);
      return withUserinfo(config(input), record.metadata, tokens);
    }

    it('should exchange the code with the PKCE verifier and return the tokens with userinfo merged into the claims', async () => {
      const provider = tokenResponds(() => json(tokenBody(record.nonce)), () => json(userinfoBody({ name: 'Ada King', locale: 'en-GB' })));
      const before = Date.now();
      const tokens = await exchange();

      const [token, ...others] = provider.to(TOKEN_ENDPOINT);
      expect(others).to.have.length(0);
      expect(token!.method).to.equal('POST');
      expect(token!.headers.get('content-type')).to.match(/^application\/x-www-form-urlencoded/);
      expect(Object.fromEntries(token!.body)).to.deep.equal({
        grant_type: 'authorization_code',
        code: 'the-code',
        redirect_uri: 'https://app.example/callback',
        client_id: CLIENT_ID,
        code_verifier: record.codeVerifier,
      });

      const [userinfo] = provider.to(USERINFO_ENDPOINT);
      expect(userinfo!.headers.get('authorization')).to.equal(`Bearer ${ACCESS_TOKEN}`);

      expect(tokens.accessToken).to.equal(ACCESS_TOKEN);
      expect(tokens.tokenType).to.equal('Bearer');
      expect(tokens.refreshToken).to.equal(REFRESH_TOKEN);
      expect(tokens.scope).to.equal('openid profile email offline_access');
      expect(tokens.idToken).to.be.a('string');
      expect(tokens.expiresAt).to.be.within(before + 3_600_000, Date.now() + 3_600_000);
      expect(tokens.claims).to.include({ sub: SUB, iss: ISSUER, aud: CLIENT_ID, name: 'Ada King', locale: 'en-GB', email: 'ada@example.com' });
    });

    it('should not call userinfo when the provider has no userinfo endpoint', async () => {
      await prepare(providerMetadata({ userinfo_endpoint: undefined }));
      const provider = tokenResponds(() => json(tokenBody(record.nonce)));
      const tokens = await exchange();
      expect(provider.to(USERINFO_ENDPOINT)).to.have.length(0);
      expect(tokens.claims).to.include({ sub: SUB, name: 'Ada Lovelace' });
    });

    it('should still sign in with the ID token claims when userinfo cannot be reached', async () => {
      tokenResponds(() => json(tokenBody(record.nonce)), () => Promise.reject(networkFailure()));
      const tokens = await exchange();
      expect(tokens.accessToken).to.equal(ACCESS_TOKEN);
      expect(tokens.claims).to.include({ sub: SUB, name: 'Ada Lovelace' });
      expect(tokens.claims).not.to.have.property('email');
    });

    it('should return the ID token claims alone from exchangeCode, before any userinfo request', async () => {
      const provider = tokenResponds(() => json(tokenBody(record.nonce)), () => json(userinfoBody({ name: 'Ada King' })));
      const tokens = await exchangeCode(config(), record, params);
      expect(provider.to(USERINFO_ENDPOINT)).to.have.length(0);
      expect(tokens.claims).to.include({ sub: SUB, name: 'Ada Lovelace' });
    });

    it('should not use a userinfo response about another subject (OIDC Core 5.3.2), keeping the ID token claims', async () => {
      tokenResponds(() => json(tokenBody(record.nonce)), () => json(userinfoBody({ sub: 'someone-else', name: 'Mallory', email: 'mallory@evil.example' })));
      const tokens = await exchange();
      expect(tokens.claims).to.include({ sub: SUB, name: 'Ada Lovelace' });
      expect(tokens.claims).not.to.have.property('email');
    });

    const idTokenCases: [string, (nonce: string | undefined) => Record<string, unknown>][] = [
      ['a wrong nonce', (nonce) => tokenBody(nonce, { claims: { nonce: 'not-the-nonce' } })],
      ['a missing nonce', (nonce) => tokenBody(nonce, { claims: { nonce: undefined } })],
      ['a wrong aud', (nonce) => tokenBody(nonce, { claims: { aud: 'another-client' } })],
      ['a wrong iss', (nonce) => tokenBody(nonce, { claims: { iss: 'https://evil.example/' } })],
      ['an exp in the past (beyond the tolerance) on a fresh token', (nonce) => tokenBody(nonce, { claims: { iat: nowSeconds() - 10, exp: nowSeconds() - 120 } })],
      ['alg: none', (nonce) => tokenBody(nonce, { header: { alg: 'none' } })],
      ['an alg the provider does not advertise', (nonce) => tokenBody(nonce, { header: { alg: 'HS256' } })],
      ['several audiences and an azp of another client', (nonce) => tokenBody(nonce, { claims: { aud: [CLIENT_ID, 'api'], azp: 'api' } })],
      ['several audiences and no azp', (nonce) => tokenBody(nonce, { claims: { aud: [CLIENT_ID, 'api'] } })],
      ['no sub', (nonce) => tokenBody(nonce, { claims: { sub: undefined } })],
      ['a malformed JWT', (nonce) => tokenBody(nonce, { body: { id_token: 'not.a-jwt' } })],
    ];
    for (const [what, body] of idTokenCases) {
      it(`should refuse an ID token with ${what} (id_token_invalid)`, async () => {
        tokenResponds(() => json(body(record.nonce)));
        const error = await rejection(exchange());
        expect(error.code, error.message).to.equal('id_token_invalid');
      });
    }

    it('should accept several audiences when azp is this client', async () => {
      tokenResponds(() => json(tokenBody(record.nonce, { claims: { aud: [CLIENT_ID, 'api'], azp: CLIENT_ID } })));
      expect((await exchange()).claims.azp).to.equal(CLIENT_ID);
    });

    it('should refuse an unsigned ID token even when the provider advertises alg none', async () => {
      const provider = installFakeProvider({
        [DISCOVERY_URL]: () => json(providerMetadata({ id_token_signing_alg_values_supported: ['none'] })),
      });
      await prepare(await discover(config()));
      provider.stub.restore();
      tokenResponds(() => json(tokenBody(record.nonce, { header: { alg: 'none' } })));
      expect((await rejection(exchange())).code).to.equal('id_token_invalid');
    });

    it('should report clock_skew for an ID token issued far in the future', async () => {
      const iat = nowSeconds() + 600;
      tokenResponds(() => json(tokenBody(record.nonce, { claims: { iat, exp: iat + 3600 } })));
      const error = await rejection(exchange());
      expect(error.code).to.equal('clock_skew');
    });

    it('should accept an iat in the future within the clock tolerance', async () => {
      const iat = nowSeconds() + 30;
      tokenResponds(() => json(tokenBody(record.nonce, { claims: { iat, exp: iat + 3600 } })));
      expect((await exchange()).accessToken).to.equal(ACCESS_TOKEN);
    });

    it('should report clock_skew for a fresh ID token that looks expired because the device clock is ahead', async () => {
      const iat = nowSeconds() - 7200;
      // Fresh by the provider's clock, which its Date header tells.
      tokenResponds(() => json(tokenBody(record.nonce, { claims: { iat, exp: iat + 3600 } }), 200, { date: new Date(iat * 1000).toUTCString() }));
      expect((await rejection(exchange())).code).to.equal('clock_skew');
    });

    it('should honour the clock-tolerance setting', async () => {
      const iat = nowSeconds() + 600;
      tokenResponds(() => json(tokenBody(record.nonce, { claims: { iat, exp: iat + 3600 } })));
      expect((await exchange({ clockTolerance: 900 })).accessToken).to.equal(ACCESS_TOKEN);
    });

    it("should pass the token endpoint's invalid_grant through", async () => {
      tokenResponds(() => json({ error: 'invalid_grant', error_description: 'code expired' }, 400));
      const error = await rejection(exchange());
      expect(error.code).to.equal('invalid_grant');
      expect(error.description).to.equal('code expired');
    });

    it('should report invalid_response for a 500 HTML page', async () => {
      tokenResponds(() => new Response('<html><body>Internal Server Error</body></html>', { status: 500, headers: { 'content-type': 'text/html' } }));
      expect((await rejection(exchange())).code).to.equal('invalid_response');
    });

    it('should report invalid_response for a body without access_token', async () => {
      tokenResponds(() => json(tokenBody(record.nonce, { body: { access_token: undefined } })));
      expect((await rejection(exchange())).code).to.equal('invalid_response');
    });

    it('should report invalid_response for a body without an ID token when openid was asked for', async () => {
      tokenResponds(() => json(tokenBody(record.nonce, { body: { id_token: undefined } })));
      expect((await rejection(exchange())).code).to.be.oneOf(['invalid_response', 'id_token_invalid']);
    });

    it('should report network_error when the token request fails', async () => {
      tokenResponds(() => Promise.reject(networkFailure()));
      expect((await rejection(exchange())).code).to.equal('network_error');
    });

    it('should report network_error when the token endpoint does not answer within `timeout` ms', async () => {
      tokenResponds(({ signal }) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as DOMException))));
      expect((await rejection(exchange({ timeout: 50 }))).code).to.equal('network_error');
    });

    it('should refuse a token response larger than 1 MiB with invalid_response', async () => {
      tokenResponds(() => json(tokenBody(record.nonce, { body: { padding: 'x'.repeat(MAX_RESPONSE_BYTES) } })));
      expect((await rejection(exchange())).code).to.equal('invalid_response');
    });

    it('should never put a token in an error message', async () => {
      tokenResponds(() => json(tokenBody(record.nonce, { claims: { nonce: 'wrong' } })));
      const error = await rejection(exchange());
      expect(error.message).not.to.include(ACCESS_TOKEN);
      expect(error.message).not.to.include(REFRESH_TOKEN);
    });
  });

  describe('endSessionUrl', () => {
    it('should build an RP-initiated logout URL', () => {
      const url = endSessionUrl(providerMetadata() as ServerMetadata, {
        clientId: CLIENT_ID,
        postLogoutRedirectUri: 'https://app.example/',
        idToken: 'id.token.here',
      });
      expect(url?.origin + url!.pathname).to.equal(END_SESSION_ENDPOINT);
      const state = url!.searchParams.get('state');
      expect(Object.fromEntries(url!.searchParams)).to.deep.equal({
        id_token_hint: 'id.token.here',
        post_logout_redirect_uri: 'https://app.example/',
        client_id: CLIENT_ID,
        state,
      });
    });

    it('should send a new random logout state of at least 128 bits, starting with "l." (issue 13.3)', () => {
      const options = { clientId: CLIENT_ID, postLogoutRedirectUri: 'https://app.example/', idToken: undefined };
      const states = [1, 2, 3].map(() => endSessionUrl(providerMetadata() as ServerMetadata, options)!.searchParams.get('state'));
      for (const state of states) expect(state).to.match(/^l\.[A-Za-z0-9_-]{22,}$/);
      expect(new Set(states).size).to.equal(3);
    });

    it('should send the post-logout redirect URI as redirectParam (Cognito: logout_uri), keeping the endpoint query', () => {
      const url = endSessionUrl(providerMetadata({ end_session_endpoint: 'https://auth.example/logout?lang=fr' }) as ServerMetadata, {
        clientId: CLIENT_ID,
        postLogoutRedirectUri: 'https://app.example/',
        idToken: undefined,
        redirectParam: 'logout_uri',
      });
      expect(Object.fromEntries(url!.searchParams)).to.deep.equal({
        lang: 'fr',
        logout_uri: 'https://app.example/',
        client_id: CLIENT_ID,
        state: url!.searchParams.get('state'),
      });
    });

    it('should return undefined without an end_session_endpoint', () => {
      expect(
        endSessionUrl(providerMetadata({ end_session_endpoint: undefined }) as ServerMetadata, {
          clientId: CLIENT_ID,
          postLogoutRedirectUri: 'https://app.example/',
          idToken: undefined,
        })?.href,
      ).to.equal(undefined);
    });
  });
});
