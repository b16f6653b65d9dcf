// One copy of lit in an app that uses lit too. The npm build (dist/npm/) leaves lit to the app's
// bundler: it imports `lit` by its bare name and holds no copy of it, and `lit` is a dependency
// (so npm installs it once, beside the app's own). An app that defines its own LitElement and
// imports the element as the package's exports give it, bundled with esbuild, must then hold lit
// exactly once: each lit module once in the metafile's inputs, and one Trusted Types policy
// `lit-html` created in the output (two copies would need `trusted-types lit-html
// 'allow-duplicates'`, see README "Security model").
// Run after `npm run build`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NPM_BUILD = path.join(root, 'dist', 'npm');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

/** lit and the packages it is made of. */
const LIT_PACKAGES = ['lit', 'lit-html', 'lit-element', '@lit/reactive-element'];
/** The module of each lit package that exists once per copy of lit. */
const LIT_MAIN_MODULES = {
  'lit-html': 'lit-html/lit-html.js',
  'lit-element': 'lit-element/lit-element.js',
  '@lit/reactive-element': '@lit/reactive-element/reactive-element.js',
};
/**
 * Code that each copy of lit runs exactly once: lit-html's Trusted Types policy, and the version
 * each package records on `globalThis`.
 */
const LIT_MARKERS = {
  'lit-html policy': /\bcreatePolicy\(\s*["'`]lit-html["'`]/g,
  litHtmlVersions: /\blitHtmlVersions\b/g,
  litElementVersions: /\blitElementVersions\b/g,
  reactiveElementVersions: /\breactiveElementVersions\b/g,
};

const count = (text, pattern) => (text.match(pattern) ?? []).length;

/** Every file below `dir`, as paths relative to it (with `/`). */
async function walk(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'));
}

/** The package name of a bare import specifier (`lit/decorators.js` → `lit`). */
const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** The consumer app: its own LitElement, and our element from the npm build. */
const APP_SOURCE = `
import { LitElement, css, html } from 'lit';
import { PkceLogin } from 'pkce-login';
import 'pkce-login/pkce-login.js';

class AppShell extends LitElement {
  static properties = { heading: {} };
  static styles = css\`:host { display: block; }\`;
  constructor() {
    super();
    this.heading = 'My app';
  }
  render() {
    return html\`<h1>\${this.heading}</h1><pkce-login issuer="https://id.example" client-id="app"></pkce-login>\`;
  }
}
customElements.define('app-shell', AppShell);
export { AppShell, PkceLogin };
`;

/**
 * Makes an app folder in `dir`: `app.js`, and `node_modules/` holding `pkce-login` (a link to
 * this repository, as `npm link` or a workspace would) and lit. With `litCopy: 'shared'` the
 * app's `lit` is a link to the repository's, so both resolve to the same files (what npm's
 * dedupe gives an app); with `'separate'` the app gets its own copy of lit's four packages.
 */
async function makeApp(dir, { litCopy }) {
  await mkdir(path.join(dir, 'node_modules', '@lit'), { recursive: true });
  await writeFile(path.join(dir, 'app.js'), APP_SOURCE);
  await symlink(root, path.join(dir, 'node_modules', 'pkce-login'), 'dir');
  if (litCopy === 'shared') {
    await symlink(path.join(root, 'node_modules', 'lit'), path.join(dir, 'node_modules', 'lit'), 'dir');
  } else {
    for (const name of LIT_PACKAGES) {
      await cp(path.join(root, 'node_modules', name), path.join(dir, 'node_modules', name), { recursive: true, dereference: true });
    }
  }
}

/** Bundles `dir/app.js` into one file, as an app's build would. */
async function bundleApp(dir) {
  const result = await esbuild.build({
    absWorkingDir: dir,
    entryPoints: ['app.js'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: 'out/app.js',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles.filter((file) => file.path.endsWith('.js'));
  /** Absolute (real) paths of the bundled modules. */
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(dir, input));
  return { metafile: result.metafile, inputs, text: output.text, dir };
}

/**
 * How many copies of lit a bundle holds: by package, the folders its bundled modules come from;
 * by main module, how many times it was bundled; by marker, how often it occurs in the output.
 */
function litCopies({ inputs, text }) {
  const folders = {};
  for (const name of LIT_PACKAGES) {
    const inPackage = new RegExp(`^(.*[\\\\/]node_modules[\\\\/]${name.replace('/', '[\\\\/]')})[\\\\/]`);
    folders[name] = [...new Set(inputs.map((input) => inPackage.exec(input)?.[1]).filter(Boolean))];
  }
  const mainModules = Object.fromEntries(Object.entries(LIT_MAIN_MODULES).map(([name, module]) => [
    name,
    inputs.filter((input) => input.split(path.sep).join('/').endsWith(`/node_modules/${module}`)).length,
  ]));
  const markers = Object.fromEntries(Object.entries(LIT_MARKERS).map(([name, pattern]) => [name, count(text, pattern)]));
  return { folders, mainModules, markers };
}

let work;
let shared;
let separate;

before(async () => {
  assert.ok(existsSync(path.join(NPM_BUILD, 'pkce-login.js')), 'dist/npm is built (npm run build)');
  work = await mkdtemp(path.join(os.tmpdir(), 'pkce-login-lit-dedupe-'));
  await Promise.all([
    makeApp(path.join(work, 'shared'), { litCopy: 'shared' }),
    makeApp(path.join(work, 'separate'), { litCopy: 'separate' }),
  ]);
  [shared, separate] = await Promise.all([
    bundleApp(path.join(work, 'shared')),
    bundleApp(path.join(work, 'separate')),
  ]);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('lit is a dependency of the package, not a devDependency', () => {
  assert.match(pkg.dependencies?.lit ?? '', /^\^3\./, 'dependencies.lit is lit 3');
  for (const name of LIT_PACKAGES) {
    assert.equal(pkg.devDependencies?.[name], undefined, `${name} is not a devDependency`);
    assert.equal(pkg.bundleDependencies?.includes?.(name) ?? false, false, `${name} is not bundled in the tarball`);
  }
});

test('dist/npm imports lit by its bare name, and only the declared dependencies', async () => {
  const files = (await walk(NPM_BUILD)).filter((file) => file.endsWith('.js'));
  assert.ok(files.length > 5, `dist/npm holds the build (${files.length} modules)`);
  // esbuild reads every import of every module; bare names stay external.
  const { metafile } = await esbuild.build({
    absWorkingDir: root,
    entryPoints: files.map((file) => path.join(NPM_BUILD, file)),
    bundle: true,
    packages: 'external',
    format: 'esm',
    outdir: path.join(root, 'out-never-written'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const bare = new Map();
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    assert.ok(path.resolve(root, input).startsWith(`${NPM_BUILD}${path.sep}`), `${input} is part of dist/npm`);
    for (const { path: specifier, external } of imports) {
      if (!external) continue;
      assert.doesNotMatch(specifier, /^[./]/, `${input}: relative imports stay inside dist/npm (${specifier})`);
      bare.set(specifier, [...(bare.get(specifier) ?? []), input]);
    }
  }
  assert.ok(bare.has('lit'), `some module imports 'lit' (bare imports: ${[...bare.keys()].join(', ')})`);
  assert.ok(bare.has('lit/decorators.js'), 'the decorators come from lit/decorators.js');
  for (const specifier of bare.keys()) {
    assert.ok(Object.hasOwn(pkg.dependencies, packageName(specifier)),
      `${specifier} (imported by ${bare.get(specifier).join(', ')}) belongs to a dependency`);
    assert.ok(!['lit-html', 'lit-element', '@lit/reactive-element'].includes(packageName(specifier)),
      `${specifier}: lit's inner packages are reached only through lit`);
  }
});

test('dist/npm holds no copy of lit', async () => {
  // The markers are lit's own: each occurs once in its package's published module.
  const litHtml = await readFile(path.join(root, 'node_modules', 'lit-html', 'lit-html.js'), 'utf8');
  assert.equal(count(litHtml, LIT_MARKERS['lit-html policy']), 1, 'lit-html creates its policy once per copy');
  assert.equal(count(litHtml, LIT_MARKERS.litHtmlVersions), 1);

  for (const file of await walk(NPM_BUILD)) {
    const segments = file.split('/');
    assert.ok(!segments.includes('node_modules'), `${file}: no node_modules in dist/npm`);
    for (const name of ['lit', 'lit-html', 'lit-element', '@lit', 'reactive-element']) {
      assert.ok(!segments.slice(0, -1).includes(name), `${file}: no ${name} folder in dist/npm`);
    }
    if (!file.endsWith('.js')) continue;
    const text = await readFile(path.join(NPM_BUILD, file), 'utf8');
    for (const [marker, pattern] of Object.entries(LIT_MARKERS)) {
      assert.equal(count(text, pattern), 0, `dist/npm/${file} holds lit's code (${marker})`);
    }
  }
});

test('an app that uses lit too and imports the npm build bundles exactly one copy of lit', () => {
  const { inputs, metafile } = shared;
  // The app got our element from the npm build, through the package's exports.
  assert.ok(inputs.includes(path.join(NPM_BUILD, 'pkce-login.js')), 'dist/npm/pkce-login.js is bundled');
  assert.ok(inputs.includes(path.join(NPM_BUILD, 'index.js')), 'dist/npm/index.js is bundled');
  assert.ok(!inputs.includes(path.join(root, 'dist', 'pkce-login.js')), 'the CDN bundle (lit inside) is not');

  const copies = litCopies(shared);
  for (const name of LIT_PACKAGES) {
    assert.deepEqual(copies.folders[name], [path.join(root, 'node_modules', ...name.split('/'))],
      `${name}: every bundled module comes from one folder`);
  }
  assert.deepEqual(copies.mainModules, { 'lit-html': 1, 'lit-element': 1, '@lit/reactive-element': 1 },
    'each lit module is in the bundle once');
  assert.deepEqual(copies.markers, { 'lit-html policy': 1, litHtmlVersions: 1, litElementVersions: 1, reactiveElementVersions: 1 },
    'the bundle creates the lit-html policy once and records each lit version once');

  // The app's `lit` and ours are the same module, not merely equal files.
  const appInput = Object.keys(metafile.inputs).find((input) => path.resolve(shared.dir, input) === path.join(shared.dir, 'app.js'));
  const litFrom = (input) => metafile.inputs[input].imports.find((i) => i.original === 'lit')?.path;
  const ours = Object.keys(metafile.inputs).filter((input) => path.resolve(shared.dir, input).startsWith(`${NPM_BUILD}${path.sep}`)
    && litFrom(input) !== undefined);
  assert.ok(ours.length > 0, 'our modules import lit');
  for (const input of ours) assert.equal(litFrom(input), litFrom(appInput), `${input} imports the app's lit module`);
});

test('the same counts see two copies when the app has its own copy of lit', () => {
  // Guards the test above: counting must tell one copy from two.
  const copies = litCopies(separate);
  for (const name of LIT_PACKAGES) {
    assert.equal(copies.folders[name].length, 2, `${name}: two folders (${copies.folders[name].join(', ')})`);
  }
  assert.deepEqual(copies.mainModules, { 'lit-html': 2, 'lit-element': 2, '@lit/reactive-element': 2 });
  assert.deepEqual(copies.markers, { 'lit-html policy': 2, litHtmlVersions: 2, litElementVersions: 2, reactiveElementVersions: 2 });
});
