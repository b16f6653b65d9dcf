// Every `integrity=` value the README and the demo show is the real hash of the file it names
// (issue 14, item 1): the SRI hash of the bundle as built, from dist/integrity.json; a placeholder
// such as `sha384-…` is a parse error to browsers, which then run the script unchecked. The
// versions the snippets pin are package.json's, and `npm version` rewrites both (the `version`
// script runs scripts/sri.mjs --docs). Run after `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCS, rewriteDocs, sriHash } from '../../scripts/sri.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file) => readFileSync(path.join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json'));
const record = JSON.parse(read('dist/integrity.json'));
const FIX = 'run `npm run build && node scripts/sri.mjs --docs` (what `npm version` does) to write the hash of this build, if this version is not published yet';

/** Every `integrity="…"` of a text, with the `src` of the same tag when it has one. */
function integrities(text) {
  return [...text.matchAll(/<script\b[^>]*?\bintegrity="([^"]*)"[^>]*>/g)].map(([tag, integrity]) => ({
    integrity,
    src: /\bsrc="([^"]*)"/.exec(tag)?.[1],
    tag: tag.replace(/\s+/g, ' '),
  }));
}

test('dist/integrity.json is the hash of the bundle as built, for this version', () => {
  assert.equal(record.integrity, sriHash(readFileSync(path.join(root, 'dist', 'pkce-login.js'))));
  assert.equal(record.version, pkg.version);
  assert.match(record.integrity, /^sha384-[A-Za-z0-9+/]{64}$/);
});

test("every integrity= in the README is the bundle's real hash, on a script tag naming the bundle", () => {
  const found = integrities(read('README.md'));
  assert.ok(found.length >= 2, `the README shows the self-hosted and the CDN snippets: ${JSON.stringify(found)}`);
  assert.equal(read('README.md').includes('sha384-…'), false, 'no placeholder hash');
  for (const { integrity, src, tag } of found) {
    assert.match(src ?? '', /(^|\/)pkce-login\.js$/, `names the bundle: ${tag}`);
    assert.equal(integrity, record.integrity, `${tag}: README.md has ${integrity}, the build ${record.integrity}; ${FIX}`);
  }
  const cdn = found.filter(({ src }) => src?.startsWith('https://'));
  assert.deepEqual(cdn.map(({ src }) => src), [record.src], 'the CDN snippet pins this version, as dist/integrity.json does');
});

test("the README's pinned versions (CDN address, npm pack tarball) are package.json's", () => {
  const readme = read('README.md');
  const pinned = [...readme.matchAll(/pkce-login@(\d[^/\s"`]*)\//g), ...readme.matchAll(/pkce-login-(\d[^\s"`]*?)\.tgz/g)].map((m) => m[1]);
  assert.ok(pinned.length >= 2, `pins found: ${pinned}`);
  for (const version of pinned) assert.equal(version, pkg.version, `README pins ${version}; ${FIX}`);
});

test('the demo shows no hash of its own: its integrity= values are those of the build', () => {
  const files = readdirSync(path.join(root, 'demo')).filter((name) => /\.(html|js)$/.test(name));
  for (const name of files) {
    for (const match of read(`demo/${name}`).matchAll(/sha384-[A-Za-z0-9+/=]+/g)) {
      assert.equal(match[0], record.integrity, `demo/${name} holds ${match[0]}`);
    }
  }
  // The built demo page (npm run build:site) carries the bundle's hash on its script tag.
  const built = path.join(root, 'site', 'demo', 'index.html');
  if (existsSync(built) && existsSync(path.join(root, 'site', 'dist', 'pkce-login.js'))) {
    const siteHash = sriHash(readFileSync(path.join(root, 'site', 'dist', 'pkce-login.js')));
    for (const { integrity, tag } of integrities(readFileSync(built, 'utf8'))) assert.equal(integrity, siteHash, tag);
  }
});

test('npm version rebuilds, rewrites the hashes and versions of the docs, and stages them', () => {
  assert.deepEqual(DOCS, ['README.md']);
  const script = pkg.scripts.version;
  assert.match(script, /^npm run build && node scripts\/sri\.mjs (--quiet )?--docs && git add README\.md$/, script);
  const old = [
    '<script type="module" src="/assets/pkce-login.js" integrity="sha384-old" crossorigin="anonymous"></script>',
    '`npm install ../pkce-login/pkce-login-0.0.9.tgz`, `pkce-login@<version>/dist/integrity.json`',
    '<script type="module" src="https://cdn.jsdelivr.net/npm/pkce-login@0.0.9-rc.1/dist/pkce-login.js"',
    '        integrity="sha384-…" crossorigin="anonymous"></script>',
  ].join('\n');
  assert.equal(
    rewriteDocs(old, { version: '1.2.0', integrity: 'sha384-new' }),
    [
      '<script type="module" src="/assets/pkce-login.js" integrity="sha384-new" crossorigin="anonymous"></script>',
      '`npm install ../pkce-login/pkce-login-1.2.0.tgz`, `pkce-login@<version>/dist/integrity.json`',
      '<script type="module" src="https://cdn.jsdelivr.net/npm/pkce-login@1.2.0/dist/pkce-login.js"',
      '        integrity="sha384-new" crossorigin="anonymous"></script>',
    ].join('\n'),
  );
  // The README as it is rewrites to itself: nothing else in it looks like a pinned version.
  assert.equal(rewriteDocs(read('README.md'), record), read('README.md'), FIX);
});
