// `npm run screenshots` (scripts/screenshots.mjs) renders every status of the built element in
// both colour schemes and two languages; the README shows them. Run after `npm run build`:
// the script is run into a temporary folder, its pictures are checked, and so is every picture
// the README points at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { screenshotNames } from '../../scripts/screenshots.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height of a PNG, after checking its signature, its IHDR first and IEND last. */
function pngSize(bytes, name) {
  assert.ok(bytes.length > 33, `${name}: not empty`);
  assert.ok(bytes.subarray(0, 8).equals(SIGNATURE), `${name}: PNG signature`);
  assert.equal(bytes.toString('latin1', 12, 16), 'IHDR', `${name}: IHDR first`);
  assert.equal(bytes.toString('latin1', bytes.length - 8, bytes.length - 4), 'IEND', `${name}: IEND last`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('the script renders every status, scheme and language to a small PNG', { timeout: 180_000 }, async (t) => {
  const out = await mkdtemp(path.join(tmpdir(), 'pkce-login-screenshots-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/screenshots.mjs'), out], { cwd: ROOT });

  const expected = screenshotNames();
  assert.equal(expected.length, 6 * 2 * 2);
  assert.deepEqual((await readdir(out)).sort(), [...expected].sort());
  const images = {};
  for (const name of expected) {
    images[name] = await readFile(path.join(out, name));
    const { width, height } = pngSize(images[name], name);
    assert.ok(width > 40 && width < 640 && height > 30 && height < 160, `${name}: cropped to the element (${width}×${height})`);
  }
  // The scheme and the language change the pictures.
  assert.notDeepEqual(images['signed-out-light-en.png'], images['signed-out-dark-en.png'], 'light and dark differ');
  assert.notDeepEqual(images['signed-out-light-en.png'], images['signed-out-light-fr.png'], 'English and French differ');
  assert.notDeepEqual(images['signed-in-avatar-light-en.png'], images['signed-in-initials-light-en.png'], 'picture and initials differ');
});

test('every picture the README shows is in docs/screenshots/, and valid', async () => {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const referenced = [...readme.matchAll(/\]\((docs\/screenshots\/[^)\s]+)\)|src="(docs\/screenshots\/[^"]+)"/g)].map((m) => m[1] ?? m[2]);
  assert.ok(referenced.length >= 6, 'the README shows the screenshots');
  for (const file of referenced) {
    pngSize(await readFile(path.join(ROOT, file)), file);
  }
  const committed = await readdir(path.join(ROOT, 'docs/screenshots'));
  assert.deepEqual(committed.sort(), [...screenshotNames()].sort(), 'docs/screenshots/ holds exactly the script\'s pictures');
});
