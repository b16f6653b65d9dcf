/// <reference types="mocha" />
/**
 * Security review (issue 12) finding 10: the element refuses to run on a page with an opaque
 * origin (`file:`, `data:`, `about:srcdoc`, a sandboxed iframe without `allow-same-origin`),
 * where every same-origin check would compare "null" with "null". resolveConfig stays pure: the
 * page's real origin (`self.origin`) is passed in, because in a sandboxed iframe the address
 * (`location.origin`) looks normal while the document's origin is opaque.
 */
import { expect } from '@open-wc/testing';
import { resolveConfig, type ConfigInput } from '../../src/protocol/config.js';
import { PkceLoginError } from '../../src/errors.js';

const INPUT: ConfigInput = { issuer: 'https://op.example/', clientId: 'client-1' };

function configError(page: string, origin?: string): PkceLoginError {
  try {
    resolveConfig(INPUT, new URL(page), origin);
  } catch (error) {
    expect(error).to.be.instanceOf(PkceLoginError);
    return error as PkceLoginError;
  }
  throw new Error(`resolveConfig accepted the page ${page} (origin ${origin})`);
}

describe('resolveConfig on a page with an opaque origin (issue 12, finding 10)', () => {
  for (const page of ['file:///home/ada/app/index.html', 'about:srcdoc', 'data:text/html,<pkce-login></pkce-login>']) {
    it(`should refuse ${page.slice(0, 24)}…: invalid_config saying the origin is opaque`, () => {
      const error = configError(page);
      expect(error.code).to.equal('invalid_config');
      expect(error.message).to.include('opaque origin').and.include('"null"');
    });
  }

  it('should refuse a file: page whose origin Chromium shows as "file://"', () => {
    expect(configError('file:///home/ada/app/index.html', 'file://').code).to.equal('invalid_config');
  });

  it('should refuse a sandboxed page whose address looks normal but whose origin is "null"', () => {
    const error = configError('https://app.example/callback', 'null');
    expect(error.code).to.equal('invalid_config');
    expect(error.message).to.include('opaque origin').and.include('sandbox');
  });

  it('should refuse an opaque origin before any attribute problem', () => {
    try {
      resolveConfig({}, new URL('https://app.example/'), 'null');
    } catch (error) {
      expect((error as PkceLoginError).message).to.include('opaque origin');
      return;
    }
    throw new Error('accepted');
  });

  it("should accept a page whose origin is its address's", () => {
    expect(resolveConfig(INPUT, new URL('https://app.example/a'), 'https://app.example').redirectUri).to.equal('https://app.example/a');
  });

  it('should take the origin from the page URL when none is passed', () => {
    expect(resolveConfig(INPUT, new URL('http://localhost:8000/a')).redirectUri).to.equal('http://localhost:8000/a');
  });
});
