/**
 * Subresource Integrity of the self-contained bundle: prints the `sha384-…` hash of
 * `dist/pkce-login.js` and the script tag that loads it from a CDN with `integrity=`, and writes
 * both to `dist/integrity.json` (published with the package, read by the demo site).
 * `npm run build` runs it last.
 *
 * With `--docs`, it also rewrites the pinned versions and `integrity=` hashes written in the
 * documentation ({@link DOCS}) to those of this build: `npm version` runs it (the `version`
 * script of package.json), so that the README's snippets name the release's file and its real
 * hash; test/node/integrity-docs.test.mjs checks them against `dist/integrity.json`.
 *
 * Usage: node scripts/sri.mjs [--quiet] [--docs]
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The SRI value (`sha384-<base64>`) of some bytes. */
export function sriHash(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** The CDN address of the bundle of a given version (a pinned version: the hash is of one file). */
export function cdnUrl(version) {
  return `https://cdn.jsdelivr.net/npm/pkce-login@${version}/dist/pkce-login.js`;
}

/** The copy-paste script tag. */
export function scriptTag(src, integrity) {
  return `<script type="module" src="${src}" integrity="${integrity}" crossorigin="anonymous"></script>`;
}

/** The documents whose snippets pin the bundle's version and hash (paths from the repository root). */
export const DOCS = ['README.md'];

/** A semantic version, with any pre-release part (`1.2.3`, `1.2.3-rc.1`). */
const VERSION = String.raw`\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?`;

/**
 * `text` with every `integrity="sha384-…"` set to `integrity`, and every pinned version of the
 * package (`pkce-login@1.2.3/` in a CDN address, `pkce-login-1.2.3.tgz` from `npm pack`) set to
 * `version`.
 *
 * @param {string} text
 * @param {{ version: string, integrity: string }} record
 */
export function rewriteDocs(text, { version, integrity }) {
  return text
    .replace(/integrity="sha384-[^"]*"/g, `integrity="${integrity}"`)
    .replace(new RegExp(`pkce-login@${VERSION}/`, 'g'), `pkce-login@${version}/`)
    .replace(new RegExp(`pkce-login-${VERSION}\\.tgz`, 'g'), `pkce-login-${version}.tgz`);
}

function main() {
  const file = path.join(root, 'dist', 'pkce-login.js');
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    console.error('sri: dist/pkce-login.js not found; run `npm run build` first');
    process.exit(1);
  }
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const integrity = sriHash(bytes);
  const src = cdnUrl(version);
  const record = { version, file: 'dist/pkce-login.js', integrity, src, scriptTag: scriptTag(src, integrity) };
  writeFileSync(path.join(root, 'dist', 'integrity.json'), `${JSON.stringify(record, null, 2)}\n`);
  if (process.argv.includes('--docs')) {
    for (const doc of DOCS) {
      const file = path.join(root, doc);
      const before = readFileSync(file, 'utf8');
      const after = rewriteDocs(before, record);
      if (after !== before) writeFileSync(file, after);
      console.log(`${doc}: ${after === before ? 'already names' : 'now names'} pkce-login@${version} with ${integrity}`);
    }
  }
  if (!process.argv.includes('--quiet')) {
    console.log(`dist/pkce-login.js integrity: ${integrity}`);
    console.log(`  ${record.scriptTag}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
