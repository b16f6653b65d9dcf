/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import * as oauth from 'oauth4webapi';
import sinon from 'sinon';
import { resolveConfig, type ConfigInput } from '../../src/protocol/config.js';
import { createAuthorizationRequest, TRANSACTION_TTL_MS, type ServerMetadata } from '../../src/protocol/protocol.js';
import { b64u, s256 } from '../helpers/jwt.js';
import { AUTHORIZATION_ENDPOINT, CLIENT_ID, ISSUER, providerMetadata, TOKEN_ENDPOINT } from '../helpers/provider.js';

const PAGE = new URL('https://app.example/account');
const UNRESERVED_43_128 = /^[A-Za-z0-9\-._~]{43,128}$/;
/** 128 bits in base64url: at least 22 characters. */
const AT_LEAST_128_BITS = /^[A-Za-z0-9_-]{22,}$/;

function request(input: Partial<ConfigInput> = {}, options: Partial<Parameters<typeof createAuthorizationRequest>[1]> = {}) {
  const config = resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID, ...input }, PAGE);
  return createAuthorizationRequest(config, { metadata: providerMetadata() as ServerMetadata, ...options });
}

describe('PKCE (RFC 7636)', () => {
  afterEach(() => sinon.restore());

  it('should compute the S256 challenge of the RFC 7636 Appendix B vector (https://www.rfc-editor.org/rfc/rfc7636#appendix-B)', async () => {
    expect(await oauth.calculatePKCECodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).to.equal(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
    // and the independent helper the other tests use agrees
    expect(await s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).to.equal('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  describe('createAuthorizationRequest', () => {
    it('should make a verifier of 43–128 unreserved characters and send its SHA-256 as an S256 challenge', async () => {
      const { url, record } = await request();
      expect(record.codeVerifier).to.match(UNRESERVED_43_128);
      expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
      expect(url.searchParams.get('code_challenge')).to.equal(await s256(record.codeVerifier));
      expect(url.href).not.to.include(record.codeVerifier);
    });

    it('should draw the verifier from 32 bytes of crypto.getRandomValues', async () => {
      sinon.stub(crypto, 'getRandomValues').callsFake(<T extends ArrayBufferView | null>(array: T): T => {
        new Uint8Array(array!.buffer).fill(7);
        return array;
      });
      const { record } = await request();
      expect(record.codeVerifier).to.equal(b64u(new Uint8Array(32).fill(7)));
    });

    it('should make state and nonce of at least 128 bits, different on every call', async () => {
      const requests = await Promise.all([request(), request(), request()]);
      const values = requests.flatMap(({ url }) => [url.searchParams.get('state'), url.searchParams.get('nonce')]);
      for (const value of values) expect(value).to.match(AT_LEAST_128_BITS);
      const verifiers = requests.map(({ record }) => record.codeVerifier);
      expect(new Set([...values, ...verifiers]).size).to.equal(values.length + verifiers.length);
      for (const { url, record } of requests) {
        expect(url.searchParams.get('state')).to.equal(record.state);
        expect(url.searchParams.get('nonce')).to.equal(record.nonce);
      }
    });

    it('should send every parameter of the authorization request to the authorization endpoint', async () => {
      const { url } = await request();
      expect(url.origin + url.pathname).to.equal(AUTHORIZATION_ENDPOINT);
      const params = url.searchParams;
      expect(params.get('response_type')).to.equal('code');
      expect(params.get('client_id')).to.equal(CLIENT_ID);
      expect(params.get('redirect_uri')).to.equal('https://app.example/account');
      expect(params.get('scope')).to.equal('openid profile email offline_access');
    });

    it('should not let authorizationParams override the parameters the element owns', async () => {
      const owned = {
        state: 'attacker-state',
        nonce: 'attacker-nonce',
        code_challenge: 'attacker-challenge',
        code_challenge_method: 'plain',
        redirect_uri: 'https://evil.example/cb',
        client_id: 'evil-client',
        response_type: 'token',
      };
      const { url, record } = await request({}, { authorizationParams: { ...owned, prompt: 'login' } });
      const params = url.searchParams;
      for (const [name, value] of Object.entries(owned)) {
        expect(params.getAll(name), name).to.have.length(1);
        expect(params.get(name), name).not.to.equal(value);
      }
      expect(params.get('state')).to.equal(record.state);
      expect(params.get('nonce')).to.equal(record.nonce);
      expect(params.get('code_challenge')).to.equal(await s256(record.codeVerifier));
      expect(params.get('redirect_uri')).to.equal('https://app.example/account');
      expect(params.get('client_id')).to.equal(CLIENT_ID);
      expect(params.get('response_type')).to.equal('code');
      expect(params.get('prompt')).to.equal('login');
    });

    it('should send audience, ui_locales and extra parameters, and skip null ones', async () => {
      const { url } = await request(
        { audience: 'https://api.example/' },
        { uiLocales: 'fr-CA', authorizationParams: { login_hint: 'ada@example.com', max_age: 300, organization: null } },
      );
      const params = url.searchParams;
      expect(params.get('audience')).to.equal('https://api.example/');
      expect(params.get('ui_locales')).to.equal('fr-CA');
      expect(params.get('login_hint')).to.equal('ada@example.com');
      expect(params.get('max_age')).to.equal('300');
      expect(params.has('organization')).to.equal(false);
    });

    it('should let authorizationParams choose ui_locales over the element language', async () => {
      const { url } = await request({}, { uiLocales: 'fr', authorizationParams: { ui_locales: 'de' } });
      expect(url.searchParams.getAll('ui_locales')).to.deep.equal(['de']);
    });

    it('should send no ui_locales of its own with ui-locales="off" (issue 13.7), but still one from authorizationParams', async () => {
      const off = await request({ uiLocales: 'off' }, { uiLocales: 'fr' });
      expect(off.url.searchParams.has('ui_locales')).to.equal(false);
      const explicit = await request({ uiLocales: 'OFF' }, { uiLocales: 'fr', authorizationParams: { ui_locales: 'de' } });
      expect(explicit.url.searchParams.getAll('ui_locales')).to.deep.equal(['de']);
      const on = await request({ uiLocales: 'on' }, { uiLocales: 'fr' });
      expect(on.url.searchParams.getAll('ui_locales')).to.deep.equal(['fr']);
    });

    it('should send no nonce when openid is not asked for', async () => {
      const { url, record } = await request({ scope: 'read:things' });
      expect(url.searchParams.has('nonce')).to.equal(false);
      expect(record.nonce).to.equal(undefined);
      expect(url.searchParams.get('scope')).to.equal('read:things');
    });

    it("should send neither the page's nonce, request, request_uri nor dpop_jkt, with or without openid", async () => {
      const authorizationParams = { nonce: 'page-nonce', request: 'eyJhbGciOiJub25lIn0.e30.', request_uri: 'https://evil.example/r', dpop_jkt: 'x' };
      for (const scope of ['read:things', 'openid']) {
        const { url, record } = await request({ scope }, { authorizationParams });
        const params = url.searchParams;
        expect(params.getAll('nonce'), scope).to.deep.equal(record.nonce ? [record.nonce] : []);
        for (const name of ['request', 'request_uri', 'dpop_jkt']) expect(params.has(name), `${scope} ${name}`).to.equal(false);
      }
    });

    it('should produce a transaction record with the token endpoint, the metadata and a 10-minute expiry', async () => {
      const before = Date.now();
      const { url, record } = await request({}, { returnTo: 'https://app.example/after' });
      const after = Date.now();
      expect(record).to.include({
        version: 1,
        state: url.searchParams.get('state'),
        issuer: ISSUER,
        clientId: CLIENT_ID,
        redirectUri: 'https://app.example/account',
        returnTo: 'https://app.example/after',
      });
      expect(record.metadata.token_endpoint).to.equal(TOKEN_ENDPOINT);
      expect(record.metadata.issuer).to.equal(ISSUER);
      expect(record.createdAt).to.be.within(before, after);
      expect(record.expiresAt - record.createdAt).to.equal(10 * 60 * 1000);
      expect(TRANSACTION_TTL_MS).to.equal(600_000);
    });
  });
});
