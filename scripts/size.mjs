// Prints the CDN bundle's size (raw, gzip -9, brotli) and fails when gzip exceeds the budget.
// Usage: node scripts/size.mjs [file] — default dist/pkce-login.js. Run `npm run build` first.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

/**
 * The gzip budget of the self-contained bundle, in bytes: 28 KiB, lit, the UI, seven languages
 * and the security review's defences included. The lit rebuild fitted in 24 KiB (24,147 B); the
 * defences of the security review (mix-up registry, account changes, max_age, allowed API
 * origins, token response checks) brought it to about 26.8 KiB. See the README's "Size".
 */
export const GZIP_BUDGET = 28_672;

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
process.exit(gzip <= GZIP_BUDGET ? 0 : 1);
