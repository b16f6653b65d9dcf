/// <reference types="mocha" />
/**
 * Issue 14 item 3: an `invalid_config` message names the attribute at fault and the value it
 * has, so that the developer sees what to change without opening the page's source.
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig, type ConfigInput } from '../../src/protocol/config.js';
import { PkceLoginError } from '../../src/errors.js';
import { createAuthorizationRequest, type ServerMetadata } from '../../src/protocol/protocol.js';
import { CLIENT_ID, installFakeProvider, ISSUER, providerMetadata } from '../helpers/provider.js';

const PAGE = new URL('https://app.example/callback');

function configError(input: Partial<ConfigInput>): PkceLoginError {
  try {
    resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID, ...input }, PAGE);
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PkceLoginError);
    return error as PkceLoginError;
  }
  throw new Error('expected invalid_config');
}

describe('invalid_config messages', () => {
  afterEach(() => sinon.restore());

  // [what, input, attribute, the value the message shows]
  const cases: [string, Partial<ConfigInput>, string, string][] = [
    ['an http issuer on a public host', { issuer: 'http://op.example/' }, 'issuer', 'http://op.example/'],
    ['an issuer with a query', { issuer: 'https://op.example/?tenant=1' }, 'issuer', 'https://op.example/?tenant=1'],
    ['a domain that is a URL', { issuer: undefined, domain: 'https://op.example/' }, 'domain', 'https://op.example/'],
    ['both issuer and domain', { domain: 'op.example' }, 'domain', 'op.example'],
    [
      'an off-origin redirect-uri',
      { redirectUri: 'https://evil.example/callback' },
      'redirect-uri',
      'https://evil.example/callback',
    ],
    ['an unknown mode', { mode: 'iframe' }, 'mode', 'iframe'],
    ['a negative timeout', { timeout: -5 }, 'timeout', '-5'],
    [
      'an http token-endpoint on a public host',
      { tokenEndpoint: 'http://op.example/token' },
      'token-endpoint',
      'http://op.example/token',
    ],
    ['an api-origins entry with a path', { apiOrigins: 'https://api.example/v1' }, 'api-origins', 'https://api.example/v1'],
  ];
  for (const [what, input, attribute, value] of cases) {
    it(`should name "${attribute}" and the value "${value}" for ${what}`, () => {
      const { code, message } = configError(input);
      expect(code).to.equal('invalid_config');
      expect(message).to.include(`"${attribute}"`).and.include(`"${value}"`);
    });
  }

  it('should show both values when issuer and domain are both set', () => {
    const { message } = configError({ domain: 'op.example' });
    expect(message).to.equal(`"domain" and "issuer" cannot both be set: got "op.example" and "${ISSUER}"`);
  });

  it('should say that par is set when the provider has no PAR endpoint', async () => {
    installFakeProvider();
    const config = resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID, par: true }, PAGE);
    const error = await createAuthorizationRequest(config, { metadata: providerMetadata() as ServerMetadata }).then(
      () => expect.fail('expected invalid_config'),
      (e: unknown) => e as PkceLoginError,
    );
    expect(error.code).to.equal('invalid_config');
    expect(error.message).to.equal('"par" is set, but the provider lists no pushed_authorization_request_endpoint');
  });

  it('should blame the provider, not the par attribute, when it requires PAR without a PAR endpoint', async () => {
    installFakeProvider();
    const config = resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID }, PAGE);
    const metadata = providerMetadata({ require_pushed_authorization_requests: true }) as ServerMetadata;
    const error = await createAuthorizationRequest(config, { metadata }).then(
      () => expect.fail('expected invalid_config'),
      (e: unknown) => e as PkceLoginError,
    );
    expect(error.code).to.equal('invalid_config');
    expect(error.message).to.equal(
      'the provider requires pushed authorization requests ("par") but lists no pushed_authorization_request_endpoint',
    );
  });
});
