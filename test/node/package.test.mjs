// The npm package as a consumer gets it: what `npm pack` puts in the tarball, that package.json's
// entry points all exist in it, and that a TypeScript project that installs the tarball gets the
// element's types (tag name map, typed events) with `moduleResolution` `bundler` and `node16`.
// Run after `npm run build`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

/** Runs `npm pack --json` with extra arguments; returns its one package record. */
async function pack(...args) {
  const { stdout } = await run(npm, ['pack', '--json', '--ignore-scripts', ...args], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [record] = JSON.parse(stdout);
  return record;
}

/** Every string target of an `exports` value, whatever its conditions. */
function targets(value) {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

let files;
let consumer;
/** tsc's answer in the consumer, by module resolution. */
const checks = {};

before(async () => {
  assert.ok(existsSync(tsc), 'typescript is installed');
  consumer = await mkdtemp(path.join(os.tmpdir(), 'pkce-login-consumer-'));
  const record = await pack('--pack-destination', consumer);
  files = new Set(record.files.map((file) => file.path));
  await makeConsumer(consumer, path.join(consumer, record.filename));
  // Both resolutions at once: each run checks main.ts (must pass) and negative.ts (must fail).
  await Promise.all(['bundler', 'node16'].map(async (resolution) => {
    checks[resolution] = await typecheck(`tsconfig.${resolution}.json`);
  }));
});

after(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

test('the tarball holds the builds, the manifest, README, LICENSE and package.json, and nothing else', () => {
  for (const file of [
    'package.json', 'README.md', 'LICENSE', 'custom-elements.json',
    'dist/pkce-login.js', 'dist/integrity.json',
    'dist/npm/index.js', 'dist/npm/index.d.ts',
    'dist/npm/pkce-login.js', 'dist/npm/pkce-login.d.ts',
    'dist/npm/pkce-login.component.js', 'dist/npm/pkce-login.component.d.ts',
    'dist/npm/events.d.ts',
  ]) {
    assert.ok(files.has(file), `${file} is in the tarball`);
  }
  const modules = [...files].filter((file) => /^dist\/npm\/[^/]+\.js$/.test(file));
  assert.ok(modules.length >= 5, `dist/npm has the element's modules (${modules.length})`);
  for (const module of modules) {
    assert.ok(files.has(module.replace(/\.js$/, '.d.ts')), `${module} has its .d.ts`);
  }
  const allowed = /^(package\.json|README\.md|LICENSE|custom-elements\.json|dist\/.+)$/;
  const stray = [...files].filter((file) => !allowed.test(file));
  assert.deepEqual(stray, [], 'no other file (src, test, demo, examples, site, scripts, node_modules)');
  for (const prefix of ['src/', 'test/', 'demo/', 'examples/', 'site/', 'node_modules/', 'scripts/']) {
    assert.ok(![...files].some((file) => file.startsWith(prefix) || file.includes(`/${prefix}`)), `nothing from ${prefix}`);
  }
});

test('every entry point of package.json is in the tarball, types first in each export', () => {
  for (const field of ['main', 'module', 'types', 'unpkg', 'jsdelivr', 'customElements']) {
    assert.ok(files.has(path.posix.normalize(pkg[field])), `${field}: ${pkg[field]} is packed`);
  }
  for (const [subpath, value] of Object.entries(pkg.exports)) {
    for (const target of targets(value)) {
      assert.ok(files.has(path.posix.normalize(target)), `exports["${subpath}"] → ${target} is packed`);
    }
    if (typeof value === 'object') {
      assert.equal(Object.keys(value)[0], 'types', `exports["${subpath}"] lists "types" first`);
    }
  }
  assert.ok(Array.isArray(pkg.sideEffects), 'sideEffects lists the modules with side effects');
  for (const file of pkg.sideEffects) {
    assert.ok(files.has(path.posix.normalize(file)), `sideEffects: ${file} is packed`);
    // The modules that define the tag, and the one that opens the database as the bundle starts.
    assert.match(file, /(pkce-login|storage\/open-database-early)\.js$/, `only the tag's definition and the early database open have side effects (${file})`);
  }
});

// ---- A TypeScript consumer of the packed tarball -----------------------------------------------

const CONSUMER_SOURCE = `
import 'pkce-login/pkce-login.js';
import { PkceLogin, PkceLoginError, type PkceLoginEventMap, type TokenEventDetail } from 'pkce-login';

const el = document.querySelector('pkce-login')!;
const asClass: PkceLogin = el;
el.addEventListener('token', (e) => e.detail.accessToken.toUpperCase());
el.addEventListener('login', (e) => e.detail.user.sub);
el.addEventListener('logout', (e) => {
  const reason: 'user' | 'expired' | 'other-tab' | 'account-changed' = e.detail.reason;
  return reason;
});
el.addEventListener('error', (e) => e.detail.code.length);
el.addEventListener('click', (e) => e.clientX);
// @ts-expect-error: the detail of a token event has no such field
el.addEventListener('token', (e) => e.detail.nope);

const created = document.createElement('pkce-login');
created.clientId = 'abc';
created.authorizationParams = { prompt: 'login' };
const status: 'loading' | 'signed-out' | 'signing-in' | 'signed-in' = created.status;
const detail: TokenEventDetail | undefined = undefined as PkceLoginEventMap['token']['detail'] | undefined;
const error = new PkceLoginError('state_mismatch', 'no transaction');
export { asClass, status, detail, error };
`;

const NEGATIVE_SOURCE = `
import 'pkce-login/pkce-login.js';
const el = document.querySelector('pkce-login')!;
el.addEventListener('login', (e) => e.detail.nope);
`;

/**
 * A consumer project in `dir`: the tarball unpacked into node_modules (as `npm install` would),
 * the package's dependencies linked from this repository's node_modules (offline).
 */
async function makeConsumer(dir, tarball) {
  const modules = path.join(dir, 'node_modules');
  const installed = path.join(modules, 'pkce-login');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const dependency of Object.keys(pkg.dependencies ?? {})) {
    const target = path.join(modules, ...dependency.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await symlink(path.join(root, 'node_modules', ...dependency.split('/')), target, 'dir');
  }
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(path.join(dir, 'main.ts'), CONSUMER_SOURCE);
  await writeFile(path.join(dir, 'negative.ts'), NEGATIVE_SOURCE);
  const options = {
    target: 'ES2022',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true,
    noEmit: true,
    types: [],
    // The shipped declarations are checked too.
    skipLibCheck: false,
  };
  for (const [name, resolution] of [
    ['bundler', { module: 'ESNext', moduleResolution: 'bundler' }],
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
  ]) {
    await writeFile(path.join(dir, `tsconfig.${name}.json`), JSON.stringify({
      compilerOptions: { ...options, ...resolution },
      files: ['main.ts', 'negative.ts'],
    }));
  }
}

/** Runs tsc in the consumer; resolves to its exit code and output. */
async function typecheck(config) {
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', config], { cwd: consumer });
    return { code: 0, output: stdout };
  } catch (error) {
    return { code: error.code, output: `${error.stdout}${error.stderr}` };
  }
}

const errors = (output) => output.split('\n').filter((line) => / error TS\d+:/.test(line));

for (const resolution of ['bundler', 'node16']) {
  test(`a consumer's TypeScript (moduleResolution ${resolution}) gets the tag and typed events`, () => {
    const { output } = checks[resolution];
    assert.deepEqual(errors(output).filter((line) => !line.startsWith('negative.ts')), [], `main.ts and the shipped .d.ts check:\n${output}`);
  });

  test(`a consumer's TypeScript (moduleResolution ${resolution}) rejects an unknown event detail field`, () => {
    const { code, output } = checks[resolution];
    assert.notEqual(code, 0, 'tsc fails');
    assert.deepEqual(errors(output).filter((line) => line.startsWith('negative.ts')).map((line) => line.replace(/\(\d+,\d+\)/, '')), [
      "negative.ts: error TS2339: Property 'nope' does not exist on type 'LoginEventDetail'.",
    ]);
  });
}
