// The README's API reference is checked against the custom-elements manifest (generated from the
// element's JSDoc by `npm run build`) and the published error-code type, so that neither can
// drift from the other. Run after `npm run build`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('custom-elements.json', root), 'utf8'));
const readme = readFileSync(new URL('README.md', root), 'utf8');
const element = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'pkce-login');

/** The README section under `## title`, up to the next `## `. */
function section(title) {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has a "${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Every `code span` of a text. */
function codeSpans(text) {
  return new Set([...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}

/** The first cell's code spans of each row of the markdown table in `text`. */
function firstColumn(text) {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\(.*$/, '').trim()));
}

test('the manifest describes <pkce-login>', () => {
  assert.ok(element, 'a declaration with tagName pkce-login');
});

test('every attribute is in the README, and every README attribute exists', () => {
  const documented = firstColumn(section('Attributes'));
  const attributes = element.attributes.map((a) => a.name).filter((name) => name !== 'status');
  for (const name of attributes) assert.ok(documented.includes(name), `README documents attribute ${name}`);
  for (const name of documented) {
    assert.ok(attributes.includes(name) || name === 'lang', `README attribute ${name} is in the manifest`);
  }
  assert.ok(codeSpans(section('Attributes')).has('status'), 'README documents the reflected status attribute');
});

test("the manifest's attributes come from the lit decorators: each names the property it sets", () => {
  // The element's JSDoc documents only `status` and `lang` with @attr; the others are found by
  // the analyzer's lit support in the @property() decorators, with their explicit kebab-case names.
  const byName = Object.fromEntries(element.attributes.map((a) => [a.name, a.fieldName]));
  assert.equal(byName['client-id'], 'clientId');
  assert.equal(byName['clock-tolerance'], 'clockTolerance');
  assert.equal(byName['post-logout-redirect-uri'], 'postLogoutRedirectUri');
  assert.equal(byName.par, 'par');
  for (const field of ['authorizationParams', 'messages']) {
    assert.ok(element.members.some((m) => m.name === field), `${field} is a member`);
    assert.ok(!element.attributes.some((a) => a.fieldName === field), `${field} has no attribute (attribute: false)`);
  }
});

test('every public method is in the README Methods table, and back', () => {
  const documented = firstColumn(section('Methods'));
  const methods = element.members
    .filter((m) => m.kind === 'method' && !m.static && !m.privacy && !m.name.startsWith('__') && m.name !== 'navigate')
    .map((m) => m.name);
  for (const name of methods) assert.ok(documented.includes(name), `README documents ${name}()`);
  for (const name of documented) assert.ok(methods.includes(name), `README method ${name} is in the manifest`);
});

test('every event is in the README Events table with the same bubbling', () => {
  const events = section('Events');
  const documented = firstColumn(events);
  assert.deepEqual([...documented].sort(), element.events.map((e) => e.name).sort());
  for (const e of element.events) {
    const composed = !/neither bubbles nor is composed/.test(e.description);
    const row = events.split('\n').find((line) => line.startsWith(`| \`${e.name}\``));
    assert.match(row, composed ? /\| yes \/ yes \|/ : /\| no \/ no \|/, `${e.name}: bubbles / composed`);
  }
});

test('every part and custom property is in the README Styling section, and back', () => {
  const spans = codeSpans(section('Styling'));
  const parts = element.cssParts.map((p) => p.name);
  const properties = element.cssProperties.map((p) => p.name);
  for (const name of [...parts, ...properties]) assert.ok(spans.has(name), `README documents ${name}`);
  for (const name of spans) {
    if (name.startsWith('--')) assert.ok(properties.includes(name), `README custom property ${name} is in the manifest`);
  }
});

test('the README error codes are exactly the published ErrorCode type', () => {
  const declaration = readFileSync(new URL('dist/npm/errors.d.ts', root), 'utf8');
  const union = declaration.slice(declaration.indexOf('export type ErrorCode ='), declaration.indexOf(';', declaration.indexOf('export type ErrorCode =')));
  const codes = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
  const documented = codeSpans(section('Error codes'));
  for (const code of codes) assert.ok(documented.has(code), `README documents error code ${code}`);
});
