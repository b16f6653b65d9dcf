/// <reference types="mocha" />
/**
 * Issue 14 item 3: how the protocol adapter names a provider request that fails to complete.
 * The component tests (test/component/endpoint-messages.test.ts) cover each endpoint refused like
 * CORS through the element; these cover the other wordings: a timeout, an endpoint on the page's
 * own origin (CORS cannot be the cause), the token endpoint of a refresh, and a redirect (issue
 * 13.1: oauth4webapi does not follow redirects).
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from '../../src/protocol/config.js';
import { PkceLoginError } from '../../src/errors.js';
import {
  createAuthorizationRequest,
  exchangeCode,
  refreshTokens,
  validateCallback,
  type ServerMetadata,
  type TokenSet,
} from '../../src/protocol/protocol.js';
import { hang } from '../helpers/faults.js';
import { opaqueRedirect } from '../helpers/redirects.js';
import {
  CLIENT_ID,
  installFakeProvider,
  ISSUER,
  networkFailure,
  providerMetadata,
  TOKEN_ENDPOINT,
  type Handler,
} from '../helpers/provider.js';

function config(input: Partial<ConfigInput> = {}, page = 'https://app.example/callback'): ResolvedConfig {
  return resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID, ...input }, new URL(page));
}

/** The error a code exchange answered by `token` rejects with. */
async function exchangeError(token: Handler, conf: ResolvedConfig): Promise<PkceLoginError> {
  const { record } = await createAuthorizationRequest(conf, { metadata: providerMetadata() as ServerMetadata });
  const params = validateCallback(record, new URLSearchParams({ code: 'the-code', state: record.state, iss: ISSUER }));
  installFakeProvider({ [TOKEN_ENDPOINT]: token });
  try {
    await exchangeCode(conf, record, params);
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PkceLoginError);
    return error as PkceLoginError;
  }
  throw new Error('expected a rejection');
}

describe('messages of provider requests that fail to complete', () => {
  afterEach(() => sinon.restore());

  it('should name the token endpoint and the timeout when it does not answer in time', async () => {
    const error = await exchangeError(hang, config({ timeout: 50 }));
    expect(error.code).to.equal('network_error');
    expect(error.message).to.equal(`the token endpoint ${TOKEN_ENDPOINT} timed out after 50 ms`);
  });

  it("should not blame CORS for an endpoint on the page's own origin", async () => {
    const error = await exchangeError(() => Promise.reject(networkFailure()), config({}, 'https://op.example/app/callback'));
    expect(error.code).to.equal('network_error');
    expect(error.message).to.equal(
      `the token endpoint ${TOKEN_ENDPOINT} could not be reached (Failed to fetch): check the URL and that the provider is up`,
    );
  });

  it('should name the token endpoint and the origin to allow when a refresh is refused like CORS', async () => {
    installFakeProvider({ [TOKEN_ENDPOINT]: () => Promise.reject(networkFailure()) });
    const tokens = { accessToken: 'a', refreshToken: 'r', claims: { sub: 'user-1' } } as unknown as TokenSet;
    const error = await refreshTokens(config(), providerMetadata() as ServerMetadata, tokens).then(
      () => expect.fail('expected a rejection'),
      (e: unknown) => e as PkceLoginError,
    );
    expect(error.code).to.equal('network_error');
    expect(error.message).to.equal(
      `the token endpoint ${TOKEN_ENDPOINT} could not be reached (Failed to fetch): the provider must allow https://app.example (CORS), else check the URL and that the provider is up`,
    );
  });

  it('should name a redirect from the token endpoint (invalid_response), not crash on it', async () => {
    const error = await exchangeError(opaqueRedirect, config());
    expect(error.code).to.equal('invalid_response');
    expect(error.message).to.equal(`the token endpoint ${TOKEN_ENDPOINT} answered with a redirect, which is not followed`);
  });

  it('should say where the redirect goes when the response shows it', async () => {
    const error = await exchangeError(
      () => new Response(null, { status: 302, headers: { location: `${TOKEN_ENDPOINT}/` } }),
      config(),
    );
    expect(error.code).to.equal('invalid_response');
    expect(error.message).to.equal(
      `the token endpoint ${TOKEN_ENDPOINT} answered with a redirect to ${TOKEN_ENDPOINT}/, which is not followed`,
    );
  });
});
