/// <reference types="mocha" />
/**
 * Discovery against real providers (issue 13): redirects (13.1), the RFC 8414 fallback after any
 * failure of the OpenID Connect URL (13.2), messages naming every URL tried, and an issuer
 * mismatch that shows both issuers (13.5).
 */
import { expect } from '@open-wc/testing';
import sinon from 'sinon';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from '../../src/protocol/config.js';
import { discover } from '../../src/protocol/protocol.js';
import { hang } from '../helpers/faults.js';
import { opaqueRedirect } from '../helpers/redirects.js';
import {
  CLIENT_ID,
  DISCOVERY_URL,
  installFakeProvider,
  ISSUER,
  json,
  networkFailure,
  providerMetadata,
  type Handler,
} from '../helpers/provider.js';
import { rejection } from '../helpers/rejection.js';

const RFC8414_URL = 'https://op.example/.well-known/oauth-authorization-server';
/** What the browser gives for OpenAuth's 404, which has no Access-Control-Allow-Origin. */
const corsRefusal: Handler = () => Promise.reject(networkFailure());
const CORS_ADVICE = 'the provider must allow https://app.example (CORS), else check the URL and that the provider is up';

function config(input: Partial<ConfigInput> = {}): ResolvedConfig {
  return resolveConfig({ issuer: ISSUER, clientId: CLIENT_ID, ...input }, new URL('https://app.example/callback'));
}


describe('discover', () => {
  afterEach(() => sinon.restore());

  describe('redirects (issue 13.1)', () => {
    // django-oauth-toolkit: issuer http://host/o, discovery served at the slashed URL only; Django
    // (APPEND_SLASH) answers the slash-less one with a 301.
    const issuer = 'https://op.example/o';
    const oidcUrl = 'https://op.example/o/.well-known/openid-configuration';

    it('should try the OpenID Connect URL with a trailing slash after a redirect (django-oauth-toolkit)', async () => {
      const provider = installFakeProvider({
        [oidcUrl]: opaqueRedirect,
        [`${oidcUrl}/`]: () => json(providerMetadata({ issuer })),
      });
      expect((await discover(config({ issuer }))).issuer).to.equal(issuer);
      expect(provider.requests.map((r) => r.url)).to.deep.equal([oidcUrl, `${oidcUrl}/`]);
    });

    it('should name the redirect, then the other URLs tried, when nothing answers', async () => {
      installFakeProvider({
        [oidcUrl]: opaqueRedirect,
        [`${oidcUrl}/`]: () => new Response('not found', { status: 404 }),
        'https://op.example/.well-known/oauth-authorization-server/o': corsRefusal,
      });
      const error = await rejection(discover(config({ issuer })));
      expect(error.code).to.equal('discovery_failed');
      expect(error.message).to.equal(
        `discovery of ${issuer} failed: ${oidcUrl} answered with a redirect, which is not followed; ${oidcUrl}/ answered HTTP 404; ` +
          `https://op.example/.well-known/oauth-authorization-server/o could not be reached (Failed to fetch): ${CORS_ADVICE}`,
      );
    });

    it('should name where a redirect goes when the response shows it (a 301 outside browsers)', async () => {
      installFakeProvider({
        [DISCOVERY_URL]: () => new Response(null, { status: 301, headers: { location: `${DISCOVERY_URL}/` } }),
        [`${DISCOVERY_URL}/`]: () => json(providerMetadata()),
      });
      expect((await discover(config())).issuer).to.equal(ISSUER);
    });
  });

  describe('RFC 8414 fallback (issue 13.2)', () => {
    it('should fall back to RFC 8414 when the OpenID Connect URL fails like a CORS refusal (OpenAuth)', async () => {
      const provider = installFakeProvider({ [DISCOVERY_URL]: corsRefusal, [RFC8414_URL]: () => json(providerMetadata()) });
      expect((await discover(config())).token_endpoint).to.equal('https://op.example/token');
      expect(provider.requests.map((r) => r.url)).to.deep.equal([DISCOVERY_URL, RFC8414_URL]);
    });

    it('should fall back to RFC 8414 after a 500 from the OpenID Connect URL', async () => {
      const provider = installFakeProvider({
        [DISCOVERY_URL]: () => new Response('oops', { status: 500 }),
        [RFC8414_URL]: () => json(providerMetadata()),
      });
      expect((await discover(config())).issuer).to.equal(ISSUER);
      expect(provider.requests.map((r) => r.url)).to.deep.equal([DISCOVERY_URL, RFC8414_URL]);
    });

    it('should name both URLs once, with the origin to allow, when both fail like CORS', async () => {
      installFakeProvider({ [DISCOVERY_URL]: corsRefusal, [RFC8414_URL]: corsRefusal });
      const error = await rejection(discover(config()));
      expect(error.code).to.equal('discovery_failed');
      expect(error.message).to.equal(
        `discovery of ${ISSUER} failed: ${DISCOVERY_URL} and ${RFC8414_URL} could not be reached (Failed to fetch): ${CORS_ADVICE}`,
      );
    });

    it('should name each URL with its own failure', async () => {
      installFakeProvider({
        [DISCOVERY_URL]: () => new Response('not found', { status: 404 }),
        [RFC8414_URL]: corsRefusal,
      });
      const error = await rejection(discover(config()));
      expect(error.code).to.equal('discovery_failed');
      expect(error.message).to.equal(
        `discovery of ${ISSUER} failed: ${DISCOVERY_URL} answered HTTP 404; ${RFC8414_URL} could not be reached (Failed to fetch): ${CORS_ADVICE}`,
      );
    });

    it('should not try RFC 8414 after a timeout (the same host), and say so', async () => {
      const provider = installFakeProvider({ [DISCOVERY_URL]: hang, [RFC8414_URL]: () => json(providerMetadata()) });
      const error = await rejection(discover(config({ timeout: 50 })));
      expect(error.code).to.equal('discovery_failed');
      expect(error.message).to.equal(`discovery of ${ISSUER} failed: ${DISCOVERY_URL} timed out after 50 ms`);
      expect(provider.requests).to.have.length(1);
    });
  });

  describe('issuer mismatch (issue 13.5)', () => {
    const ADVICE = 'they must be the same (mind a trailing slash, and localhost vs 127.0.0.1)';

    it('should name the configured issuer and the one the provider gives (localhost vs 127.0.0.1)', async () => {
      const issuer = 'http://localhost:8080/realms/demo';
      const url = 'http://localhost:8080/realms/demo/.well-known/openid-configuration';
      const provider = installFakeProvider({
        [url]: () => json(providerMetadata({ issuer: 'http://127.0.0.1:8080/realms/demo' })),
      });
      const error = await rejection(discover(config({ issuer })));
      expect(error.code).to.equal('discovery_failed');
      expect(error.message).to.equal(
        `${url} gives the issuer "http://127.0.0.1:8080/realms/demo", but the configured issuer is "${issuer}": ${ADVICE}`,
      );
      expect(provider.requests, 'no other URL is tried: the provider answered').to.have.length(1);
    });

    it('should name both issuers when they differ by a trailing slash', async () => {
      const issuer = 'https://op.example/realms/x';
      const url = 'https://op.example/realms/x/.well-known/openid-configuration';
      installFakeProvider({ [url]: () => json(providerMetadata({ issuer: `${issuer}/` })) });
      const error = await rejection(discover(config({ issuer })));
      expect(error.code).to.equal('discovery_failed');
      expect(error.message).to.equal(`${url} gives the issuer "${issuer}/", but the configured issuer is "${issuer}": ${ADVICE}`);
    });
  });
});
