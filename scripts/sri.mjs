/**
 * Subresource Integrity of the self-contained bundle: prints the `sha384-…` hash of
 * `dist/pkce-login.js` and the script tag that loads it from a CDN with `integrity=`, and writes
 * both to `dist/integrity.json` (published with the package, read by the demo site).
 * `npm run build` runs it last.
 *
 * Usage: node scripts/sri.mjs [--quiet]
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
  if (!process.argv.includes('--quiet')) {
    console.log(`dist/pkce-login.js integrity: ${integrity}`);
    console.log(`  ${record.scriptTag}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
