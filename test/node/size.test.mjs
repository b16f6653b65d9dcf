// The self-contained bundle's gzip budget and its published SRI hash. Run after `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUNDLE = path.join(root, 'dist', 'pkce-login.js');
const GZIP_BUDGET = 31_232;

test(`dist/pkce-login.js is at most ${GZIP_BUDGET} B gzip -9`, async () => {
  const gzip = gzipSync(await readFile(BUNDLE), { level: 9 }).length;
  assert.ok(gzip <= GZIP_BUDGET, `${gzip} B gzip is over the ${GZIP_BUDGET} B budget by ${gzip - GZIP_BUDGET} B`);
});

test('scripts/size.mjs reports the bundle within the same budget and exits 0', async () => {
  const { stdout } = await run(process.execPath, [path.join(root, 'scripts', 'size.mjs'), BUNDLE], { cwd: root });
  assert.match(stdout, new RegExp(`gzip budget ${GZIP_BUDGET} B: within`));
});

test('dist/integrity.json holds the sha384 SRI hash of the bundle as built', async () => {
  const record = JSON.parse(await readFile(path.join(root, 'dist', 'integrity.json'), 'utf8'));
  const expected = `sha384-${createHash('sha384').update(await readFile(BUNDLE)).digest('base64')}`;
  assert.equal(record.integrity, expected);
  const { version } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  assert.equal(record.version, version);
  assert.equal(record.src, `https://cdn.jsdelivr.net/npm/pkce-login@${version}/dist/pkce-login.js`, 'a pinned version');
  assert.ok(record.scriptTag.includes(`integrity="${expected}"`) && record.scriptTag.includes('crossorigin="anonymous"'));
});

test('scripts/sri.mjs prints the hash', async () => {
  const { stdout } = await run(process.execPath, [path.join(root, 'scripts', 'sri.mjs')], { cwd: root });
  const expected = `sha384-${createHash('sha384').update(await readFile(BUNDLE)).digest('base64')}`;
  assert.ok(stdout.includes(`integrity: ${expected}`), stdout);
});

test("the README's quick start loads the bundle with integrity= and crossorigin", async () => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const firstBlock = readme.match(/```html\n([\s\S]*?)```/)?.[1] ?? '';
  assert.match(firstBlock, /<script type="module"[^>]*\sintegrity="sha384-[^"]+"[^>]*\scrossorigin/);
  // The first snippet loads the file from the app's own origin; the CDN form pins a version.
  assert.match(readme, /src="https:\/\/cdn\.jsdelivr\.net\/npm\/pkce-login@\d+\.\d+\.\d+\/dist\/pkce-login\.js"/, 'a pinned version');
});
