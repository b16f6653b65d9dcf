// docs/threat-model.md maps attacks to defences to tests: every test it names exists. Each cell
// names a file (`test/...`) followed by the quoted names of tests in it; "…" in a quoted name
// stands for any text (a name built from a template).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/threat-model.md', root), 'utf8');
const tables = doc.slice(doc.indexOf('## Attacks, defences and the tests that try them'));

/** `[file, [names]]` for every file named in the tables' last column. */
function citations() {
  const cited = [];
  for (const row of tables.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| #') && !line.startsWith('| attack'))) {
    const cell = row.split(' | ').at(-1);
    for (const part of cell.split(/;\s*(?=`test\/)/)) {
      const file = part.match(/`(test\/[^`]+)`/)?.[1];
      if (!file) continue;
      const names = [...part.matchAll(/"((?:[^"\\]|\\.)+)"/g)].map((m) => m[1].replace(/\\"/g, '"'));
      cited.push([file, names]);
    }
  }
  return cited;
}

test('the threat model cites tests for every attack', () => {
  assert.ok(citations().length >= 25, `${citations().length} citations`);
  const rows = tables.split('\n').filter((line) => line.startsWith('| ') && !/^\| (#|attack) \|/.test(line));
  assert.ok(rows.length >= 25, `${rows.length} rows`);
  for (const row of rows) {
    assert.match(row.split(' | ').at(-1), /`test\//, `a row without a test: ${row.slice(0, 80)}`);
  }
});

for (const [file, names] of citations()) {
  test(`${file} exists and holds the tests the threat model names`, () => {
    assert.ok(existsSync(new URL(file, root)), `${file} exists`);
    // Quotes as the source escapes them, as the test runner prints them.
    const source = readFileSync(new URL(file, root), 'utf8').replace(/\\(['"`])/g, '$1');
    for (const name of names) {
      const pattern = new RegExp(name.split('…').map((s) => s.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?'));
      assert.match(source, pattern, `${file} has a test named "${name}"`);
    }
  });
}
