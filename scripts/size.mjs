// Prints the CDN bundle's size (raw, gzip -9, brotli) and fails when gzip exceeds the budget.
// Usage: node scripts/size.mjs [file] — default dist/pkce-login.js. Run `npm run build` first.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

/**
 * The gzip budget of the self-contained bundle, in bytes: 24 KiB, lit, the UI and seven
 * languages included.
 */
export const GZIP_BUDGET = 24_576;

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
