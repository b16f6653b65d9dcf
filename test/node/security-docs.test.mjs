// The README and the threat model say exactly what goes into a URL (SPEC §8.5, issue 12
// finding 8): no access or refresh token ever, and the ID token in the logout URL
// (`id_token_hint`). A blanket "tokens are never written to the URL" would be false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (file) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');

for (const file of ['README.md', 'docs/threat-model.md']) {
  test(`${file} names the ID token in the logout URL and claims no blanket "never in the URL"`, () => {
    const text = read(file);
    assert.doesNotMatch(text, /\btokens are never written to the URL\b/i, 'no blanket claim about tokens and URLs');
    assert.match(text, /id_token_hint/, 'names id_token_hint');
    assert.match(text, /goes into a URL is the \*\*ID token, on logout\*\*|the ID token, once, in the logout URL/,
      'says the ID token goes into the logout URL');
  });
}
