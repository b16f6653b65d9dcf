/// <reference types="mocha" />
import { expect } from '@open-wc/testing';
import { readCallback, sameOriginUrl, withoutCallbackParams } from '../../src/protocol/callback-url.js';

const REDIRECT_URI = 'https://app.example/callback';

/**
 * {@link readCallback} as plain data: chai and the test runner cannot print a URLSearchParams
 * in a failure message (the run hangs instead of failing).
 */
function read(page: string, redirectUri = REDIRECT_URI): { location: string; params: string } | undefined {
  const response = readCallback(new URL(page), redirectUri);
  return response && { location: response.location, params: response.params.toString() };
}

describe('callback URL', () => {
  describe('readCallback', () => {
    it('should read code and state from the query', () => {
      const response = readCallback(new URL('https://app.example/callback?code=abc&state=xyz&iss=https%3A%2F%2Fop.example%2F'), REDIRECT_URI);
      expect(response?.location).to.equal('query');
      expect(response?.params.get('code')).to.equal('abc');
      expect(response?.params.get('state')).to.equal('xyz');
      expect(response?.params.get('iss')).to.equal('https://op.example/');
    });

    it('should read an error response from the query', () => {
      const response = readCallback(new URL('https://app.example/callback?error=access_denied&error_description=No&state=xyz'), REDIRECT_URI);
      expect(response?.location).to.equal('query');
      expect(response?.params.get('error')).to.equal('access_denied');
      expect(response?.params.get('error_description')).to.equal('No');
    });

    it('should not read a response from the fragment (the element only asks for the query response mode)', () => {
      expect(read('https://app.example/callback#code=abc&state=xyz')).to.equal(undefined);
      expect(read('https://app.example/callback?tab=2#error=access_denied&state=xyz')).to.equal(undefined);
    });

    it('should read the query response, not the fragment, when both look like one', () => {
      expect(read('https://app.example/callback?code=abc&state=xyz#code=other&state=other')).to.deep.equal({
        location: 'query',
        params: 'code=abc&state=xyz',
      });
    });

    it('should keep the other query parameters in what it reads', () => {
      const response = readCallback(new URL('https://app.example/callback?tab=2&code=abc&state=xyz&session_state=s'), REDIRECT_URI);
      expect(response?.params.get('session_state')).to.equal('s');
      expect(response?.params.get('tab')).to.equal('2');
    });

    it('should ignore a page that is not the redirect URI', () => {
      expect(read('https://app.example/other?code=abc&state=xyz')).to.equal(undefined);
      expect(read('https://app.example/callback/more?code=abc&state=xyz')).to.equal(undefined);
      expect(read('https://other.example/callback?code=abc&state=xyz')).to.equal(undefined);
      expect(read('http://app.example/callback?code=abc&state=xyz')).to.equal(undefined);
    });

    it('should ignore a ?code= without state (some other feature of the page)', () => {
      expect(read('https://app.example/callback?code=abc')).to.equal(undefined);
      expect(read('https://app.example/callback#code=abc')).to.equal(undefined);
    });

    it('should ignore a state without code or error', () => {
      expect(read('https://app.example/callback?state=xyz')).to.equal(undefined);
    });

    it('should ignore a page without parameters', () => {
      expect(read('https://app.example/callback')).to.equal(undefined);
      expect(read('https://app.example/callback?q=1#top')).to.equal(undefined);
    });

    it('should not be fooled by a redirect URI that has a query of its own', () => {
      const response = readCallback(new URL('https://app.example/callback?code=abc&state=xyz'), 'https://app.example/callback?app=1');
      expect(response?.params.get('code')).to.equal('abc');
    });
  });

  describe('withoutCallbackParams', () => {
    it('should remove code, state, iss, session_state and error* from the query', () => {
      const page = new URL(
        'https://app.example/callback?code=abc&state=xyz&iss=https%3A%2F%2Fop.example%2F&session_state=s&error=e&error_description=d&error_uri=u',
      );
      expect(withoutCallbackParams(page, 'query')).to.equal('https://app.example/callback');
    });

    it('should keep the other query parameters, in order, and the hash', () => {
      const page = new URL('https://app.example/callback?tab=2&code=abc&lang=fr&state=xyz#section-3');
      expect(withoutCallbackParams(page, 'query')).to.equal('https://app.example/callback?tab=2&lang=fr#section-3');
    });

    it('should leave no dangling "?" before a hash', () => {
      expect(withoutCallbackParams(new URL('https://app.example/callback?code=abc&state=xyz#top'), 'query')).to.equal(
        'https://app.example/callback#top',
      );
    });

    it('should leave the fragment alone when the response was in the query', () => {
      expect(withoutCallbackParams(new URL('https://app.example/callback?code=abc&state=xyz#code=keep'), 'query')).to.equal(
        'https://app.example/callback#code=keep',
      );
    });
  });

  describe('sameOriginUrl', () => {
    const page = new URL('https://app.example/shop/cart?x=1');

    it('should accept relative and same-origin absolute URLs, resolved against the page', () => {
      expect(sameOriginUrl('/account?tab=2#top', page)?.href).to.equal('https://app.example/account?tab=2#top');
      expect(sameOriginUrl('checkout', page)?.href).to.equal('https://app.example/shop/checkout');
      expect(sameOriginUrl('https://app.example/', page)?.href).to.equal('https://app.example/');
      expect(sameOriginUrl('', page)?.href).to.equal('https://app.example/shop/cart?x=1');
    });

    for (const target of [
      'https://evil.example/',
      '//evil.example',
      '//evil.example/account',
      '/\\evil.example/account',
      'http://app.example/',
      'https://app.example:8443/',
      'https://app.example.evil.example/',
      'javascript:alert(document.domain)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'http://[invalid',
    ]) {
      it(`should refuse ${target}`, () => {
        expect(sameOriginUrl(target, page)?.href).to.equal(undefined);
      });
    }
  });
});
