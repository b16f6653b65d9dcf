// What page script can reach from the element: after a DPoP login against the real provider, in
// both session modes, a walk of every own and prototype property reachable from the element
// (depth 4; getters invoked; Map and Set entries; the element's class and its statics included)
// finds neither the refresh token nor the DPoP private key. The walk does find the user's `sub`
// through the `user` getter, so a walk that saw nothing would fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginThroughProvider, useBrowserAndStack } from './harness.mjs';

const fixture = useBrowserAndStack({ configOverrides: { features: { dPoP: { enabled: true } } } });

/**
 * Runs in the page: every path from the element (depth ≤ `maxDepth`) to a string containing one
 * of `secrets`, or to a private `CryptoKey`. Platform prototypes (HTMLElement's, Object's …) and
 * DOM nodes other than the element and its shadow root are not walked: page state is not kept
 * there.
 */
function walkFromElement([secrets, maxDepth]) {
  const el = document.querySelector('pkce-login');
  const found = [];
  const seen = new Set();
  const isNative = (fn) => typeof fn === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
  const platformPrototype = (proto) => proto === null || proto === Object.prototype || proto === Function.prototype || isNative(proto.constructor);
  const visit = (value, path, depth) => {
    if (typeof value === 'string') {
      for (const [name, secret] of Object.entries(secrets)) if (value.includes(secret)) found.push(`${name} at ${path}`);
      return;
    }
    if (value instanceof CryptoKey) {
      if (value.type === 'private') found.push(`private CryptoKey at ${path}`);
      return;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (depth >= maxDepth || seen.has(value)) return;
    if (value instanceof Node && value !== el && value !== el.shadowRoot) return;
    if (value === window || isNative(value)) return;
    seen.add(value);
    if (value instanceof Map || value instanceof Set) {
      let i = 0;
      for (const [k, v] of value instanceof Map ? value : [...value].map((v) => [v, v])) {
        visit(k, `${path}<key ${i}>`, depth + 1);
        visit(v, `${path}<entry ${i++}>`, depth + 1);
      }
    }
    const keys = new Set(Reflect.ownKeys(value));
    for (let proto = Object.getPrototypeOf(value); !platformPrototype(proto); proto = Object.getPrototypeOf(proto)) {
      for (const key of Reflect.ownKeys(proto)) keys.add(key);
    }
    for (const key of keys) {
      let child;
      try {
        child = Reflect.get(value, key, value);
      } catch {
        continue;
      }
      visit(child, `${path}.${String(key)}`, depth + 1);
    }
  };
  visit(el, 'el', 0);
  return found;
}

for (const session of ['persistent', 'memory']) {
  test(`session="${session}": no property path from the element reaches the refresh token or the DPoP private key`, { timeout: 30_000 }, async (t) => {
    const { browser, stack } = fixture;
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    // The token responses, read on their way to the page (a response event may lose the body).
    const tokenResponses = [];
    await page.route(stack.tokenEndpoint, async (route) => {
      const response = await route.fetch();
      tokenResponses.push(await response.json());
      await route.fulfill({ response });
    });
    await loginThroughProvider(page, stack, 'mallory-target', { session });
    const refreshToken = tokenResponses.map((body) => body.refresh_token).find(Boolean);
    assert.equal(typeof refreshToken, 'string', 'the provider issued a refresh token');
    assert.equal(tokenResponses[0].token_type, 'DPoP', 'the tokens are DPoP-bound');
    const sub = await page.evaluate(() => document.querySelector('pkce-login').user.sub);

    const found = await page.evaluate(walkFromElement, [{ refreshToken, sub }, 4]);
    assert.ok(found.some((path) => path.startsWith('sub at ') && path.endsWith('.user.sub')), `the walk reaches the claims: ${found.join('; ')}`);
    assert.deepEqual(found.filter((path) => !path.startsWith('sub ')), [], 'secrets reachable from the element');
  });
}
