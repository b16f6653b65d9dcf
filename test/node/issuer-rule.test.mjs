// One rule about the trailing slash of `issuer` (issue 14, item 1), stated in the same words in
// the README, in the checklist of docs/providers.md and under the demo's Issuer field, so that
// none drifts from the others; test/unit/issuer-rule.test.ts holds the code to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const START = 'Copy issuer character for character';
const END = '(id_token_invalid).';

/** A document's text without markdown or HTML markup: code spans, tags, entities, line breaks. */
function plain(text) {
  return text
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/&(#39|apos);/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** The rule as `file` states it. */
function rule(file) {
  const text = plain(readFileSync(new URL(file, root), 'utf8'));
  const start = text.indexOf(START);
  assert.ok(start >= 0, `${file} states the issuer rule ("${START}…")`);
  const end = text.indexOf(END, start);
  assert.ok(end > start, `${file}: the rule ends with "${END}"`);
  assert.equal(text.indexOf(START, end), -1, `${file} states it once`);
  return text.slice(start, end + END.length);
}

test('the README, the providers checklist and the demo state the trailing-slash rule in the same words', () => {
  const readme = rule('README.md');
  assert.equal(rule('docs/providers.md'), readme, 'docs/providers.md');
  assert.equal(rule('demo/index.html'), readme, 'demo/index.html');
  // What the code does (test/unit/issuer-rule.test.ts): a bare origin's slash is free with
  // discovery, a slash after a path is not, and without discovery the ID token's iss is exact.
  for (const words of ['https://op.example and https://op.example/ are one URL', 'https://op.example/realms/x and https://op.example/realms/x/ are two issuers', 'discovery_failed', "the ID token's iss must equal issuer exactly"]) {
    assert.ok(readme.includes(words), `the rule says "${words}": ${readme}`);
  }
});
