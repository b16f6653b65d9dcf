// SPEC §8.7: importing the element where there is no DOM (server rendering) does not throw,
// for both the npm build and the self-contained CDN bundle. Run after `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';

for (const entry of ['../../dist/npm/pkce-login.js', '../../dist/npm/index.js', '../../dist/pkce-login.js']) {
  test(`importing ${entry.replace('../../', '')} without a DOM does not throw`, async () => {
    assert.equal(typeof globalThis.document, 'undefined');
    assert.equal(typeof globalThis.customElements, 'undefined');
    const module = await import(entry);
    assert.equal(typeof module.PkceLogin, 'function');
    assert.equal(typeof module.PkceLoginError, 'function');
    assert.equal(new module.PkceLoginError('state_mismatch', 'm').code, 'state_mismatch');
  });
}
