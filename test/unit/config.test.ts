/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import { resolveConfig, type ConfigInput } from '../../src/protocol/config.js';
import { PkceLoginError } from '../../src/errors.js';

const PAGE = new URL('https://app.example/shop/cart?item=3#summary');
const BASE: ConfigInput = { issuer: 'https://op.example/', clientId: 'client-1' };

/** The error `resolveConfig` throws for `input` (over {@link BASE}). */
function configError(input: ConfigInput, page = PAGE): PkceLoginError {
  try {
    resolveConfig({ ...BASE, ...input }, page);
  } catch (error) {
    expect(error).to.be.instanceOf(PkceLoginError);
    return error as PkceLoginError;
  }
  throw new Error(`resolveConfig accepted ${JSON.stringify(input)}`);
}

describe('resolveConfig', () => {
  describe('defaults', () => {
    const config = resolveConfig(BASE, PAGE);

    it('should keep the issuer exactly as configured', () => {
      expect(config.issuer).to.equal('https://op.example/');
      expect(resolveConfig({ ...BASE, issuer: 'https://op.example/realms/demo' }, PAGE).issuer).to.equal('https://op.example/realms/demo');
    });

    it('should ask for openid profile email, plus offline_access when refresh is on (the default)', () => {
      expect(config.refresh).to.equal(true);
      expect(config.scope).to.equal('openid profile email offline_access');
    });

    it('should not ask for offline_access when refresh="off"', () => {
      const off = resolveConfig({ ...BASE, refresh: 'off' }, PAGE);
      expect(off.refresh).to.equal(false);
      expect(off.scope).to.equal('openid profile email');
    });

    it('should not add offline_access to a scope without openid', () => {
      expect(resolveConfig({ ...BASE, scope: 'read:things' }, PAGE).scope).to.equal('read:things');
    });

    it('should default the redirect URI to the page origin and path, without query or hash', () => {
      expect(config.redirectUri).to.equal('https://app.example/shop/cart');
    });

    it('should default the post-logout redirect URI to the redirect URI', () => {
      expect(config.postLogoutRedirectUri).to.equal('https://app.example/shop/cart');
      const custom = resolveConfig({ ...BASE, redirectUri: '/callback' }, PAGE);
      expect(custom.redirectUri).to.equal('https://app.example/callback');
      expect(custom.postLogoutRedirectUri).to.equal('https://app.example/callback');
    });

    it('should resolve a relative post-logout redirect URI against the page', () => {
      expect(resolveConfig({ ...BASE, postLogoutRedirectUri: 'bye' }, PAGE).postLogoutRedirectUri).to.equal('https://app.example/shop/bye');
    });

    it('should default clock tolerance to 60 s, timeout to 10 s, session persistent, mode redirect, no PAR', () => {
      expect(config).to.include({
        clockTolerance: 60,
        timeout: 10_000,
        session: 'persistent',
        mode: 'redirect',
        par: false,
        allowHttp: false,
        audience: undefined,
      });
      expect(config.endpoints).to.deep.equal({});
    });

    it('should parse numeric attributes given as strings', () => {
      expect(resolveConfig({ ...BASE, clockTolerance: '0', timeout: '2500' }, PAGE)).to.include({ clockTolerance: 0, timeout: 2500 });
    });
  });

  it('should turn the domain shorthand into an https issuer with a trailing slash', () => {
    const config = resolveConfig({ domain: 'tenant.eu.auth0.com', clientId: 'c' }, PAGE);
    expect(config.issuer).to.equal('https://tenant.eu.auth0.com/');
  });

  for (const issuer of ['http://localhost:3000/', 'http://127.0.0.1:8080/oidc', 'http://[::1]:9000/']) {
    it(`should accept the loopback issuer ${issuer} and allow http`, () => {
      const config = resolveConfig({ ...BASE, issuer }, PAGE);
      expect(config.issuer).to.equal(issuer);
      expect(config.allowHttp).to.equal(true);
    });
  }

  it('should allow http for an explicit loopback endpoint', () => {
    const config = resolveConfig({ ...BASE, tokenEndpoint: 'http://localhost:3000/token' }, PAGE);
    expect(config.endpoints.token_endpoint).to.equal('http://localhost:3000/token');
    expect(config.allowHttp).to.equal(true);
  });

  it('should keep explicit endpoints', () => {
    const config = resolveConfig(
      {
        ...BASE,
        authorizationEndpoint: 'https://op.example/auth',
        tokenEndpoint: 'https://op.example/token',
        userinfoEndpoint: 'https://op.example/me',
        endSessionEndpoint: 'https://op.example/logout',
        revocationEndpoint: 'https://op.example/oauth2/revoke',
      },
      PAGE,
    );
    expect(config.endpoints).to.deep.equal({
      authorization_endpoint: 'https://op.example/auth',
      token_endpoint: 'https://op.example/token',
      userinfo_endpoint: 'https://op.example/me',
      end_session_endpoint: 'https://op.example/logout',
      revocation_endpoint: 'https://op.example/oauth2/revoke',
    });
  });

  describe('invalid values', () => {
    const cases: [string, ConfigInput, string][] = [
      ['a missing issuer', { issuer: undefined }, 'issuer'],
      ['a blank issuer', { issuer: '   ' }, 'issuer'],
      ['a missing client-id', { clientId: undefined }, 'client-id'],
      ['a blank client-id', { clientId: '' }, 'client-id'],
      ['an http issuer on a public host', { issuer: 'http://op.example/' }, 'issuer'],
      ['an issuer that is not a URL', { issuer: 'op.example' }, 'issuer'],
      ['an issuer on another scheme', { issuer: 'ftp://op.example/' }, 'issuer'],
      ['an issuer with a query', { issuer: 'https://op.example/?tenant=1' }, 'issuer'],
      ['an issuer with a fragment', { issuer: 'https://op.example/#x' }, 'issuer'],
      ['an issuer with credentials', { issuer: 'https://user:secret@op.example/' }, 'issuer'],
      ['an issuer with a user name only', { issuer: 'https://user@op.example/' }, 'issuer'],
      ['both issuer and domain', { domain: 'op.example' }, 'domain'],
      ['a domain that is a URL', { issuer: undefined, domain: 'https://op.example/' }, 'domain'],
      ['an off-origin redirect-uri', { redirectUri: 'https://evil.example/callback' }, 'redirect-uri'],
      ['a protocol-relative redirect-uri', { redirectUri: '//evil.example/callback' }, 'redirect-uri'],
      ['a javascript: redirect-uri', { redirectUri: 'javascript:alert(1)' }, 'redirect-uri'],
      ['an off-origin post-logout-redirect-uri', { postLogoutRedirectUri: 'https://evil.example/' }, 'post-logout-redirect-uri'],
      ['an unknown session', { session: 'forever' }, 'session'],
      ['an unknown refresh', { refresh: 'sometimes' }, 'refresh'],
      ['an unknown mode', { mode: 'iframe' }, 'mode'],
      ['an unknown ui-locales', { uiLocales: 'fr' }, 'ui-locales'],
      ['a post-logout-redirect-param that is not a parameter name', { postLogoutRedirectParam: 'logout uri' }, 'post-logout-redirect-param'],
      ['a post-logout-redirect-param the element sends itself', { postLogoutRedirectParam: 'client_id' }, 'post-logout-redirect-param'],
      ['a post-logout-redirect-param of state', { postLogoutRedirectParam: 'state' }, 'post-logout-redirect-param'],
      ['a negative clock-tolerance', { clockTolerance: -1 }, 'clock-tolerance'],
      ['a NaN clock-tolerance', { clockTolerance: 'soon' }, 'clock-tolerance'],
      ['an infinite clock-tolerance', { clockTolerance: 'Infinity' }, 'clock-tolerance'],
      ['a negative timeout', { timeout: -5 }, 'timeout'],
      ['a zero timeout', { timeout: 0 }, 'timeout'],
      ['a NaN timeout', { timeout: Number.NaN }, 'timeout'],
      ['an http authorization-endpoint on a public host', { authorizationEndpoint: 'http://op.example/auth' }, 'authorization-endpoint'],
      ['an http token-endpoint on a public host', { tokenEndpoint: 'http://op.example/token' }, 'token-endpoint'],
      ['an http userinfo-endpoint on a public host', { userinfoEndpoint: 'http://op.example/me' }, 'userinfo-endpoint'],
      ['an http end-session-endpoint on a public host', { endSessionEndpoint: 'http://op.example/logout' }, 'end-session-endpoint'],
      ['an http revocation-endpoint on a public host', { revocationEndpoint: 'http://op.example/revoke' }, 'revocation-endpoint'],
      ['a token-endpoint with credentials', { tokenEndpoint: 'https://a:b@op.example/token' }, 'token-endpoint'],
    ];
    for (const [what, input, attribute] of cases) {
      it(`should refuse ${what} with invalid_config naming "${attribute}"`, () => {
        const error = configError(input);
        expect(error.code).to.equal('invalid_config');
        expect(error.message).to.include(`"${attribute}"`);
      });
    }

    it('should name both attributes when issuer and domain are set', () => {
      expect(configError({ domain: 'op.example' }).message).to.include('"issuer"');
    });

    it('should not treat a host that merely starts like localhost as loopback', () => {
      expect(configError({ issuer: 'http://localhost.evil.example/' }).code).to.equal('invalid_config');
      expect(configError({ issuer: 'http://127.0.0.1.evil.example/' }).code).to.equal('invalid_config');
    });
  });
});
