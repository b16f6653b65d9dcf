// The README's performance claims quote one run of `npm run bench` (issue 16): every figure of
// its "Performance" section is in docs/benchmarks.md, the report that run wrote. A claim left
// behind by a later run, or a figure typed by hand, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file) => readFileSync(path.join(root, file), 'utf8');

/** The README's "Performance" section. */
function performanceSection() {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Performance\n');
  assert.ok(start >= 0, 'the README has a "## Performance" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

test("every figure of the README's Performance section comes from docs/benchmarks.md", () => {
  const report = read('docs/benchmarks.md');
  const section = performanceSection();
  // Milliseconds with one decimal, as the report prints them ("136.4 ms", "136.4 / 137.1 ms").
  const figures = [...section.matchAll(/\b\d+\.\d\b/g)].map(([figure]) => figure);
  assert.ok(figures.length >= 20, `the section quotes the run's figures (found ${figures.length})`);
  // The same figure in the report, not a part of a longer one ("1.2" is not in "1.21×").
  const inReport = (figure) => new RegExp(`(?<![\\d.])${figure.replace('.', '\\.')}(?![\\d])`).test(report);
  const missing = [...new Set(figures)].filter((figure) => !inReport(figure));
  assert.deepEqual(missing, [], 'figures in the README that docs/benchmarks.md does not have: re-run `npm run bench` and quote it');
});

test("the README's Performance section states the bundle size of the run it quotes", () => {
  const gzip = /\| \*\*&lt;pkce-login>, dist\/pkce-login\.js \(our rollup build\)\*\* \| [\d,]+ \| ([\d,]+) \|/.exec(read('docs/benchmarks.md'))?.[1];
  assert.ok(gzip, 'docs/benchmarks.md has the bundle row');
  assert.ok(performanceSection().includes(`${gzip} B`), `the section quotes ${gzip} B`);
});
