/// <reference types="mocha" />
/**
 * The `apis` and `organization` configuration (issue 15): the map as an object or as JSON (the
 * attribute form), entries sorted longest prefix first, their scopes asked for at login, and
 * `invalid_config` naming `apis` for anything else.
 */
import { expect } from '@open-wc/testing';
import { resolveConfig, type ConfigInput } from '../../src/protocol/config.js';
import { PkceLoginError } from '../../src/errors.js';

const PAGE = new URL('https://app.example/page');
const BASE = { issuer: 'https://op.example/', clientId: 'c' };

function config(input: ConfigInput) {
  return resolveConfig({ ...BASE, ...input }, PAGE);
}

describe('apis configuration', () => {
  it('should take an object or its JSON, and sort the entries longest prefix first', () => {
    const map = {
      'https://api.example': { audience: 'https://api.example/' },
      'https://api.example/v2': { resource: 'urn:v2', scope: 'read' },
      'http://localhost:3000/a/b/': {},
    };
    for (const apis of [map, JSON.stringify(map)]) {
      expect(config({ apis }).apis).to.deep.equal([
        { prefix: 'http://localhost:3000/a/b/', resource: undefined, audience: undefined, scope: undefined },
        { prefix: 'https://api.example/v2/', resource: 'urn:v2', audience: undefined, scope: 'read' },
        { prefix: 'https://api.example/', resource: undefined, audience: 'https://api.example/', scope: undefined },
      ]);
    }
  });

  it('should add each API scope to the login scope, before offline_access', () => {
    expect(config({ apis: { 'https://a.example': { scope: 'read:a write:a' }, 'https://b.example': { scope: 'read:a' } } }).scope).to.equal(
      'openid profile email read:a write:a offline_access',
    );
    expect(config({}).scope).to.equal('openid profile email offline_access');
  });

  it('should keep api-origins as it is beside apis (default: the page origin)', () => {
    expect(config({ apis: { 'https://a.example': {} } }).apiOrigins).to.deep.equal(['https://app.example']);
    expect(config({ apis: '', apiOrigins: 'https://b.example' }).apis).to.deep.equal([]);
  });

  it('should read organization', () => {
    expect(config({ organization: ' org_1 ' }).organization).to.equal('org_1');
    expect(config({}).organization).to.equal(undefined);
  });

  const invalid: [string, ConfigInput['apis']][] = [
    ['not JSON', '{https://a.example: {}}'],
    ['a plain-http origin that is not loopback', { 'http://a.example': {} }],
    ['a relative URL', { '/api': {} }],
    ['a query', { 'https://a.example/?x=1': {} }],
    ['a fragment', { 'https://a.example/#x': {} }],
    ['credentials', { 'https://u:p@a.example/': {} }],
    ['a resource that is not an absolute URI', { 'https://a.example': { resource: 'api-one' } }],
    ['a scope that is not a string', { 'https://a.example': { scope: ['read'] as unknown as string } }],
  ];
  for (const [name, apis] of invalid) {
    it(`should refuse ${name}: invalid_config naming apis`, () => {
      let error: unknown;
      try {
        config({ apis });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(PkceLoginError);
      expect((error as PkceLoginError).code).to.equal('invalid_config');
      expect((error as PkceLoginError).message).to.match(/^"apis" /);
    });
  }
});
