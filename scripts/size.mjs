// Prints the CDN bundle's size (raw, gzip -9, brotli) and fails when gzip exceeds the budget.
// Then, for the README's "Size": what lit alone costs (what the element imports of it, bundled
// and minified by esbuild), and what an app that already has lit pays for the element (the npm
// build, lit external, bundled and minified by esbuild).
// Usage: node scripts/size.mjs [file] — default dist/pkce-login.js. Run `npm run build` first.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';

/**
 * The gzip budget of the self-contained bundle, in bytes: 30.5 KiB, lit, the UI, seven languages
 * and the security review's defences included. The lit rebuild fitted in 24 KiB (24,147 B); the
 * defences of the security review (mix-up registry, account changes, max_age, allowed API
 * origins, token response checks) brought it to about 26.8 KiB, and the first-hour fixes to
 * 28,577 B. Tokens per API, step-up and organizations (issue 15) added 1,446 B (30,023 B): the
 * budget went from 28,672 B to 30,208 B. The page-load and click work of issue 16 (one IndexedDB
 * database and connection per page, opened as the bundle starts, with the move of earlier builds'
 * databases into it; the login secrets made before the click; the mix-up registry written when
 * idle) added about 880 B: 31,232 B. See the README's "Size".
 */
export const GZIP_BUDGET = 31_232;

const file = process.argv[2] ?? 'dist/pkce-login.js';
let code;
try {
  code = readFileSync(file);
} catch {
  console.error(`size: ${file} not found; run \`npm run build\` first`);
  process.exit(1);
}
const gzip = gzipSync(code, { level: 9 }).length;
const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
console.log(`${file}: ${code.length} B raw, ${gzip} B gzip (${kib(gzip)}), ${brotli} B brotli (${kib(brotli)})`);
console.log(`gzip budget ${GZIP_BUDGET} B: ${gzip <= GZIP_BUDGET ? `within, ${GZIP_BUDGET - gzip} B to spare` : `EXCEEDED by ${gzip - GZIP_BUDGET} B`}`);

/** gzip -9 bytes of `contents` (an ES module) bundled and minified by esbuild, `external` left out. */
async function bundledGzip(contents, external = []) {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['production'],
    external,
    write: false,
    logLevel: 'silent',
  });
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
}

if (file === 'dist/pkce-login.js') {
  const lit = await bundledGzip("export { LitElement, html, css, isServer } from 'lit'; export { property, state } from 'lit/decorators.js';");
  const elementAlone = await bundledGzip("import './dist/npm/pkce-login.js';", ['lit', 'lit/*']);
  console.log(`lit, as the element uses it (esbuild, minified): ${lit} B gzip`);
  console.log(`the element for an app that already has lit (npm build, lit external, esbuild): ${elementAlone} B gzip`);
}
process.exit(gzip <= GZIP_BUDGET ? 0 : 1);
