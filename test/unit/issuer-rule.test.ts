/// <reference types="mocha" />
/**
 * The trailing-slash rule of `issuer` as the README, docs/providers.md and the demo state it
 * (issue 14, item 1; test/node/issuer-rule.test.mjs keeps the three in the same words), held to
 * the code: with discovery a bare origin may take or leave its slash, a slash after a path
 * counts (`discovery_failed`), and without discovery the ID token's `iss` must equal `issuer`
 * exactly (`id_token_invalid`).
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from '../../src/protocol/config.js';
import { createAuthorizationRequest, discover, exchangeCode, validateCallback } from '../../src/protocol/protocol.js';
import { AUTHORIZATION_ENDPOINT, CLIENT_ID, installFakeProvider, json, providerMetadata, TOKEN_ENDPOINT, tokenBody } from '../helpers/provider.js';
import { rejection } from '../helpers/rejection.js';

const PAGE = new URL('https://app.example/callback');

function config(input: ConfigInput): ResolvedConfig {
  return resolveConfig({ clientId: CLIENT_ID, ...input }, PAGE);
}


describe('the issuer and its trailing slash', () => {
  afterEach(() => sinon.restore());

  describe('with discovery', () => {
    for (const [configured, discovered] of [
      ['https://op.example', 'https://op.example/'],
      ['https://op.example/', 'https://op.example'],
    ]) {
      it(`should take ${configured} for the issuer ${discovered}: a bare origin may take or leave the slash`, async () => {
        const provider = installFakeProvider({
          'https://op.example/.well-known/openid-configuration': () => json(providerMetadata({ issuer: discovered })),
        });
        const metadata = await discover(config({ issuer: configured }));
        expect(metadata.issuer).to.equal(discovered);
        expect(provider.requests).to.have.length(1);
      });
    }

    for (const [configured, discovered] of [
      ['https://op.example/realms/x', 'https://op.example/realms/x/'],
      ['https://op.example/realms/x/', 'https://op.example/realms/x'],
    ]) {
      it(`should refuse ${configured} for the issuer ${discovered}: after a path the slash counts`, async () => {
        installFakeProvider({
          'https://op.example/realms/x/.well-known/openid-configuration': () => json(providerMetadata({ issuer: discovered })),
        });
        const error = await rejection(discover(config({ issuer: configured })));
        expect(error.code).to.equal('discovery_failed');
      });
    }
  });

  describe('without discovery', () => {
    const issuer = 'https://op.example';
    const input = { issuer, authorizationEndpoint: AUTHORIZATION_ENDPOINT, tokenEndpoint: TOKEN_ENDPOINT };

    async function exchangeWithIss(iss: string): Promise<unknown> {
      const conf = config(input);
      const provider = installFakeProvider();
      const metadata = await discover(conf);
      expect(provider.requests, 'no discovery request').to.have.length(0);
      expect(metadata.issuer).to.equal(issuer);
      const { record } = await createAuthorizationRequest(conf, { metadata });
      const params = validateCallback(record, new URLSearchParams({ code: 'the-code', state: record.state }));
      sinon.restore();
      installFakeProvider({ [TOKEN_ENDPOINT]: () => json(tokenBody(record.nonce, { claims: { iss } })) });
      return exchangeCode(conf, record, params);
    }

    it("should sign in when the ID token's iss is issuer exactly", async () => {
      expect(await exchangeWithIss(issuer)).to.have.property('accessToken');
    });

    it("should refuse an ID token whose iss differs from issuer by a trailing slash: id_token_invalid", async () => {
      const error = await rejection(exchangeWithIss(`${issuer}/`));
      expect(error.code).to.equal('id_token_invalid');
    });
  });
});
