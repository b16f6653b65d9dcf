// SPEC §8.7, server rendering. Run after `npm run build`.
//
// - Importing the npm build where there is no DOM does not throw: lit's `node` build brings its
//   own server-side `customElements` registry, where `pkce-login.js` defines the tag (what
//   @lit-labs/ssr renders from); `index.js` registers nothing.
// - The self-contained CDN bundle is browser-only, by decision: it inlines lit's browser build,
//   whose element class extends `HTMLElement`, so importing it in Node throws a ReferenceError.
//   Server rendering uses the npm build (README, "Server rendering").
// - @lit-labs/ssr renders the element's Log in button as declarative shadow DOM: styles, button,
//   live region, in the language of the element's own `lang`; the element's constructor and
//   render touch no browser-only API (IndexedDB, storage, document, location, observers…).
//
// Each import is checked in a fresh Node process, so that nothing imported before (lit's server
// registry, a DOM shim) hides what the import itself does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `code` as an ES module in a fresh Node process (cwd: the repository); resolves to its JSON output. */
async function inFreshNode(code) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { cwd: root });
  return JSON.parse(stdout);
}

for (const [entry, definesTag] of [['dist/npm/pkce-login.js', true], ['dist/npm/index.js', false]]) {
  test(`importing ${entry} without a DOM does not throw`, async () => {
    const result = await inFreshNode(`
      const before = { document: typeof document, customElements: typeof customElements, HTMLElement: typeof HTMLElement };
      const module = await import('./${entry}');
      console.log(JSON.stringify({
        before,
        document: typeof document,
        PkceLogin: typeof module.PkceLogin,
        code: new module.PkceLoginError('state_mismatch', 'm').code,
        defined: customElements.get('pkce-login') === module.PkceLogin,
      }));
    `);
    assert.deepEqual(result.before, { document: 'undefined', customElements: 'undefined', HTMLElement: 'undefined' });
    assert.equal(result.document, 'undefined', 'no DOM is installed by the import');
    assert.equal(result.PkceLogin, 'function');
    assert.equal(result.code, 'state_mismatch');
    assert.equal(result.defined, definesTag, definesTag ? "the tag is defined in lit's server registry" : 'nothing is registered');
  });
}

test('the CDN bundle dist/pkce-login.js is browser-only: importing it without a DOM throws a ReferenceError', async () => {
  const result = await inFreshNode(`
    try {
      await import('./dist/pkce-login.js');
      console.log(JSON.stringify({ threw: false }));
    } catch (error) {
      console.log(JSON.stringify({ threw: true, name: error.name, message: error.message }));
    }
  `);
  // Decision: the bundle inlines lit's browser build (\`class extends HTMLElement\`). Should it ever
  // import cleanly, update this test and the README's "Server rendering" section together.
  assert.deepEqual(result, { threw: true, name: 'ReferenceError', message: 'HTMLElement is not defined' });
});

test('the npm build renders with @lit-labs/ssr after its global DOM shim (install-global-dom-shim.js)', async () => {
  const result = await inFreshNode(`
    await import('@lit-labs/ssr/lib/install-global-dom-shim.js');
    await import('pkce-login/pkce-login.js');
    const { render } = await import('@lit-labs/ssr');
    const { collectResult } = await import('@lit-labs/ssr/lib/render-result.js');
    const { html } = await import('lit');
    const out = await collectResult(render(html\`<pkce-login issuer="https://op.example" client-id="c"></pkce-login>\`));
    console.log(JSON.stringify({ out }));
  `);
  assert.match(result.out, /<template shadowroot="open" shadowrootmode="open">/);
  assert.match(result.out, /<button part="button login"[^>]*><slot name="login"><!--lit-part-->Log in<!--\/lit-part--><\/slot><\/button>/);
});

// In this process: @lit-labs/ssr as a framework integration uses it (Next.js, Astro, Eleventy).
const { render } = await import('@lit-labs/ssr');
const { collectResult, collectResultSync } = await import('@lit-labs/ssr/lib/render-result.js');
const { LitElementRenderer } = await import('@lit-labs/ssr/lib/lit-element-renderer.js');
const { html } = await import('lit');
const { ifDefined } = await import('lit/directives/if-defined.js');
await import('pkce-login/pkce-login.js');

/** The server-rendered markup of `<pkce-login>` with `lang` (none: no attribute). */
const renderElement = (lang) =>
  collectResultSync(render(html`<pkce-login issuer="https://op.example" client-id="client" lang=${ifDefined(lang)}></pkce-login>`));

test('@lit-labs/ssr renders the Log in button, its styles and the live region as declarative shadow DOM', async () => {
  const out = renderElement();
  assert.match(out, /<pkce-login\s+issuer="https:\/\/op\.example" client-id="client"\s*>/, 'the host keeps its attributes');
  assert.ok(out.includes('<template shadowroot="open" shadowrootmode="open">'), out.slice(0, 300));
  // The styles, inline in the shadow root (the first paint has them, before any script).
  const style = /<template[^>]*><style>([\s\S]*?)<\/style>/.exec(out)?.[1] ?? '';
  assert.match(style, /:host\s*{/);
  assert.match(style, /--pkce-login-accent/);
  assert.match(style, /\[role=status\]/);
  // The Log in button, disabled and busy until the element runs in the browser (status `loading`).
  assert.match(
    out,
    /<button part="button login" type="button" disabled\s+aria-busy="true"\s*><slot name="login"><!--lit-part-->Log in<!--\/lit-part--><\/slot><\/button>/,
  );
  // The polite live region, empty.
  assert.match(out, /<span role="status"><!--lit-part--><!--\/lit-part--><\/span>/);
  assert.ok(out.trimEnd().endsWith('</template></pkce-login><!--/lit-part-->'));
  // collectResult (the async form, for streaming renderers) gives the same markup.
  const asyncOut = await collectResult(render(html`<pkce-login issuer="https://op.example" client-id="client"></pkce-login>`));
  const fromHost = (markup) => markup.slice(markup.indexOf('<template'));
  assert.equal(fromHost(asyncOut), fromHost(out));
});

test("@lit-labs/ssr renders in the language of the element's own lang attribute, else English", () => {
  const label = (out) => /<slot name="login"><!--lit-part-->(.*?)<!--\/lit-part-->/.exec(out)?.[1];
  assert.equal(label(renderElement()), 'Log in');
  assert.equal(label(renderElement('fr')), 'Se connecter');
  assert.equal(label(renderElement('de-AT')), 'Anmelden');
  assert.equal(label(renderElement('xx')), 'Log in');
});

test('the element touches no browser-only API on the server: constructor, render, connectedCallback', () => {
  // Every browser global the element uses in the browser, trapped: reading one is recorded.
  const names = [
    'window', 'document', 'location', 'history', 'indexedDB', 'sessionStorage', 'localStorage',
    'MutationObserver', 'BroadcastChannel', 'open', 'close', 'addEventListener', 'navigator',
  ];
  const read = new Set();
  const saved = new Map(names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]));
  for (const name of names) {
    const original = saved.get(name);
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        read.add(name);
        return original && ('value' in original ? original.value : original.get?.call(globalThis));
      },
    });
  }
  // Some renderers call connectedCallback on the server (LitElementRenderer.renderOptions).
  const withConnectedCallback = () => ({ connectedCallback: true });
  try {
    const plain = renderElement('fr');
    LitElementRenderer.renderOptions.push(withConnectedCallback);
    const connected = renderElement();
    assert.match(plain, /Se connecter/);
    assert.match(connected, /<pkce-login\s+issuer="https:\/\/op\.example" client-id="client" status="loading">/, 'connectedCallback reflects the status');
    assert.match(connected, /<button part="button login"/);
  } finally {
    LitElementRenderer.renderOptions.splice(LitElementRenderer.renderOptions.indexOf(withConnectedCallback), 1);
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete globalThis[name];
    }
  }
  assert.deepEqual([...read], []);
});
