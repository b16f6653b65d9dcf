/// <reference types="mocha" />
/**
 * Pushed authorization requests (RFC 9126) in createAuthorizationRequest, against a stubbed
 * provider: when the parameters are pushed, what the push carries, what the redirect carries,
 * and how failures of the push are named.
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig, type ConfigInput } from '../../src/protocol/config.js';
import type { PkceLoginError } from '../../src/errors.js';
import { createAuthorizationRequest, createDpopKey, createLoginSecrets, toPkceLoginError, type ServerMetadata } from '../../src/protocol/protocol.js';
import { hang } from '../helpers/faults.js';
import { b64u, s256 } from '../helpers/jwt.js';
import {
  AUTHORIZATION_ENDPOINT,
  CLIENT_ID,
  installFakeProvider,
  ISSUER,
  json,
  networkFailure,
  PAR_ENDPOINT,
  providerMetadata,
  type Handler,
} from '../helpers/provider.js';

const PAGE = new URL('https://app.example/account');
const REQUEST_URI = 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c';

/** The provider's metadata with a PAR endpoint, requiring PAR unless `required` is false. */
function parMetadata(required = true, overrides: Record<string, unknown> = {}): ServerMetadata {
  return providerMetadata({
    pushed_authorization_request_endpoint: PAR_ENDPOINT,
    require_pushed_authorization_requests: required,
    ...overrides,
  }) as ServerMetadata;
}

/** A PAR endpoint answering `201` with `body` (RFC 9126 §2.2). */
const created =
  (body: Record<string, unknown> = { request_uri: REQUEST_URI, expires_in: 60 }): Handler =>
  () =>
    json(body, 201);

function request(
  metadata: ServerMetadata,
  input: Partial<ConfigInput> = {},
  options: Partial<Parameters<typeof createAuthorizationRequest>[1]> = {},
) {
  const config = resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID, ...input }, PAGE);
  return createAuthorizationRequest(config, { metadata, ...options });
}

/**
 * The error `promise` rejects with, named as `login()` names it (toPkceLoginError); fails if it
 * resolves.
 */
async function rejection(promise: Promise<unknown>): Promise<PkceLoginError> {
  try {
    await promise;
  } catch (error) {
    return toPkceLoginError(error);
  }
  throw new Error('expected a rejection');
}

/** The RFC 7638 SHA-256 thumbprint of an EC public key, computed here independently. */
async function thumbprint(publicKey: CryptoKey): Promise<string> {
  const { crv, kty, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify({ crv, kty, x, y })));
  return b64u(new Uint8Array(digest));
}

describe('pushed authorization requests (RFC 9126)', () => {
  afterEach(() => sinon.restore());

  it('should push the whole request when the provider requires it, and redirect with client_id and request_uri only', async () => {
    const provider = installFakeProvider({ [PAR_ENDPOINT]: created() });
    const { url, record } = await request(parMetadata(), {}, { authorizationParams: { prompt: 'login' }, uiLocales: 'fr' });

    const pushes = provider.to(PAR_ENDPOINT);
    expect(provider.requests, 'requests').to.have.length(1);
    expect(pushes[0]!.method).to.equal('POST');
    expect(pushes[0]!.headers.get('content-type')).to.match(/^application\/x-www-form-urlencoded/);
    const body = pushes[0]!.body;
    expect(body.get('response_type')).to.equal('code');
    expect(body.get('client_id')).to.equal(CLIENT_ID);
    expect(body.get('redirect_uri')).to.equal('https://app.example/account');
    expect(body.get('scope')).to.equal('openid profile email offline_access');
    expect(body.get('state')).to.equal(record.state);
    expect(body.get('nonce')).to.equal(record.nonce);
    expect(body.get('code_challenge')).to.equal(await s256(record.codeVerifier));
    expect(body.get('code_challenge_method')).to.equal('S256');
    expect(body.get('prompt')).to.equal('login');
    expect(body.get('ui_locales')).to.equal('fr');
    expect(body.has('code_verifier'), 'the verifier stays here').to.equal(false);

    expect(url.origin + url.pathname).to.equal(AUTHORIZATION_ENDPOINT);
    expect([...url.searchParams]).to.deep.equal([
      ['client_id', CLIENT_ID],
      ['request_uri', REQUEST_URI],
    ]);
    expect(url.href).not.to.include(record.state);
  });

  it('should push when `par` is set, although the provider does not require it', async () => {
    const provider = installFakeProvider({ [PAR_ENDPOINT]: created() });
    const { url, record } = await request(parMetadata(false), { par: true });
    expect(provider.to(PAR_ENDPOINT)).to.have.length(1);
    expect(provider.to(PAR_ENDPOINT)[0]!.body.get('state')).to.equal(record.state);
    expect([...url.searchParams.keys()]).to.deep.equal(['client_id', 'request_uri']);
  });

  it('should not push when neither the provider nor `par` asks for it, even with a PAR endpoint', async () => {
    const provider = installFakeProvider({ [PAR_ENDPOINT]: created() });
    const { url, record } = await request(parMetadata(false));
    expect(provider.requests).to.have.length(0);
    expect(url.searchParams.has('request_uri')).to.equal(false);
    expect(url.searchParams.get('state')).to.equal(record.state);
    expect(url.searchParams.get('code_challenge')).to.equal(await s256(record.codeVerifier));
  });

  it('should push dpop_jkt, the thumbprint of the login DPoP key, and keep the key in the record', async () => {
    const provider = installFakeProvider({ [PAR_ENDPOINT]: created() });
    const dpopKey = await createDpopKey();
    const secrets = await createLoginSecrets(resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID }, PAGE), dpopKey);
    const { url, record } = await request(parMetadata(), {}, { secrets });
    expect(provider.to(PAR_ENDPOINT)[0]!.body.get('dpop_jkt')).to.equal(await thumbprint(dpopKey.publicKey));
    expect(url.searchParams.has('dpop_jkt')).to.equal(false);
    expect(record.dpopKey).to.equal(dpopKey);
  });

  it('should never push or send a request or request_uri given by the page', async () => {
    const provider = installFakeProvider({ [PAR_ENDPOINT]: created() });
    const authorizationParams = { request: 'eyJhbGciOiJub25lIn0.e30.', request_uri: 'https://evil.example/req', dpop_jkt: 'attacker' };
    const { url } = await request(parMetadata(), {}, { authorizationParams });
    const body = provider.to(PAR_ENDPOINT)[0]!.body;
    for (const name of Object.keys(authorizationParams)) expect(body.has(name), name).to.equal(false);
    expect(url.searchParams.getAll('request_uri')).to.deep.equal([REQUEST_URI]);

    // and without PAR, none of them reaches the authorization request either
    const plain = (await request(parMetadata(false), {}, { authorizationParams })).url.searchParams;
    for (const name of Object.keys(authorizationParams)) expect(plain.has(name), name).to.equal(false);
  });

  it('should refuse `par` with a provider without a PAR endpoint: invalid_config naming par, no request', async () => {
    const provider = installFakeProvider();
    const error = await rejection(request(providerMetadata() as ServerMetadata, { par: true }));
    expect(error.code).to.equal('invalid_config');
    expect(error.message).to.include('"par"');
    expect(provider.requests).to.have.length(0);
  });

  it('should refuse a provider that requires PAR without a PAR endpoint, making no request', async () => {
    const provider = installFakeProvider();
    const metadata = parMetadata(true, { pushed_authorization_request_endpoint: undefined });
    const error = await rejection(request(metadata));
    expect(error.code).to.equal('invalid_config');
    expect(error.message).to.include('pushed_authorization_request_endpoint');
    expect(provider.requests).to.have.length(0);
  });

  for (const [status, code] of [
    [400, 'invalid_request'],
    [401, 'invalid_client'],
    [400, 'invalid_scope'],
  ] as const) {
    it(`should pass the PAR endpoint's ${code} (${status}) through with its description`, async () => {
      installFakeProvider({ [PAR_ENDPOINT]: () => json({ error: code, error_description: 'refused by the test' }, status) });
      const error = await rejection(request(parMetadata()));
      expect(error.code).to.equal(code);
      expect(error.description).to.equal('refused by the test');
    });
  }

  it('should report network_error when the push fails to complete', async () => {
    installFakeProvider({
      [PAR_ENDPOINT]: () => {
        throw networkFailure();
      },
    });
    expect((await rejection(request(parMetadata()))).code).to.equal('network_error');
  });

  it('should give up on a PAR endpoint that never answers after `timeout` ms: network_error', async () => {
    installFakeProvider({ [PAR_ENDPOINT]: hang });
    const started = performance.now();
    expect((await rejection(request(parMetadata(), { timeout: 200 }))).code).to.equal('network_error');
    expect(performance.now() - started).to.be.below(1500);
  });

  for (const [what, handler] of [
    ['no request_uri', created({ expires_in: 60 })],
    ['an empty request_uri', created({ request_uri: '', expires_in: 60 })],
    ['a request_uri that is not a string', created({ request_uri: 42, expires_in: 60 })],
    ['no expires_in', created({ request_uri: REQUEST_URI })],
    ['an HTML page', () => new Response('<html>busy</html>', { status: 201, headers: { 'content-type': 'text/html' } })],
    ['a 200 instead of a 201', () => json({ request_uri: REQUEST_URI, expires_in: 60 })],
    ['a 500 without an OAuth error', () => json({ message: 'oops' }, 500)],
  ] as const) {
    it(`should report invalid_response for ${what}`, async () => {
      installFakeProvider({ [PAR_ENDPOINT]: handler });
      expect((await rejection(request(parMetadata()))).code).to.equal('invalid_response');
    });
  }
});
