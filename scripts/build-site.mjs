/**
 * Assembles the demo site into `site/`: a static folder that works from any static host or CDN
 * (no server code, no rewrites, relative links only).
 *
 *   site/index.html            → sends the browser on to demo/
 *   site/demo/                 the demo page (demo/ of the repository); its <script> tag for the
 *                              bundle carries the bundle's integrity= hash
 *   site/dist/pkce-login.js    the self-contained bundle (+ source map, integrity.json)
 *   site/examples/<name>/      the built React, Vue and Angular examples
 *   site/examples/status.json  {"react": "ready", …}: the demo labels its links from it
 *   site/README.md, LICENSE, docs/
 *
 * Run by `npm run build:demo` after `npm run build` and `npm run build:examples`. `npm start` and
 * `npm run dev` import it: they write the site without the examples first (`--no-examples`),
 * then copy each example in as its build ends ({@link copyExample}).
 *
 * Usage: node scripts/build-site.mjs [--no-examples]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sriHash } from './sri.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SITE_DIR = path.join(root, 'site');
export const EXAMPLES = ['react', 'vue', 'angular'];
const BUNDLE_TAG = '<script type="module" src="../dist/pkce-login.js"></script>';

function need(file, hint) {
  if (!existsSync(path.join(root, file))) throw new Error(`${file} is missing: run \`${hint}\` first`);
}

/**
 * Writes `site/`.
 *
 * @param {object} [options]
 * @param {boolean} [options.examples=true] copy the built examples in (each must be built)
 * @param {boolean} [options.bundle=true] copy the bundle from `dist/`, and put its hash on the
 *   demo's script tag; off for `npm run dev`, which writes a development bundle (changing at every
 *   save) into `site/dist/` itself
 */
export function buildSite({ examples = true, bundle = true } = {}) {
  if (bundle) need('dist/pkce-login.js', 'npm run build');
  if (bundle) need('dist/integrity.json', 'npm run build');
  if (examples) for (const name of EXAMPLES) need(`examples/${name}/dist/index.html`, 'npm run build:examples');

  rmSync(SITE_DIR, { recursive: true, force: true });
  mkdirSync(SITE_DIR, { recursive: true });
  const copy = (from, to = from) => cpSync(path.join(root, from), path.join(SITE_DIR, to), { recursive: true });

  // The bundle, its map and its integrity record.
  for (const file of bundle ? ['pkce-login.js', 'pkce-login.js.map', 'integrity.json'] : []) {
    if (existsSync(path.join(root, 'dist', file))) copy(`dist/${file}`);
  }
  const integrity = bundle ? sriHash(readFileSync(path.join(root, 'dist', 'pkce-login.js'))) : undefined;

  // The demo, with the bundle's hash on its script tag.
  copy('demo');
  const demoHtml = path.join(SITE_DIR, 'demo', 'index.html');
  const html = readFileSync(demoHtml, 'utf8');
  if (!html.includes(BUNDLE_TAG)) throw new Error(`demo/index.html no longer has ${BUNDLE_TAG}`);
  if (bundle) writeFileSync(demoHtml, html.replace(
    BUNDLE_TAG,
    `<script type="module" src="../dist/pkce-login.js" integrity="${integrity}" crossorigin="anonymous"></script>`,
  ));

  if (examples) for (const name of EXAMPLES) copyExample(name);
  // What the demo reads to label its links (npm start answers it live while examples build).
  if (examples) writeFileSync(path.join(SITE_DIR, 'examples', 'status.json'), `${JSON.stringify(Object.fromEntries(EXAMPLES.map((name) => [name, 'ready'])))}\n`);
  for (const file of ['README.md', 'LICENSE', 'docs']) copy(file);

  writeFileSync(path.join(SITE_DIR, 'index.html'), `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="refresh" content="0; url=demo/">
    <title>&lt;pkce-login&gt;</title>
    <link rel="icon" href="data:,">
  </head>
  <body>
    <p><a href="demo/">The &lt;pkce-login&gt; demo</a></p>
  </body>
</html>
`);

  if (examples) console.log(`site/ written: demo/, dist/ (bundle ${integrity}), examples/{${EXAMPLES.join(',')}}/`);
}

/** Copies the built example `name` (`examples/<name>/dist/`) into `site/examples/<name>/`, replacing it. */
export function copyExample(name) {
  const target = path.join(SITE_DIR, 'examples', name);
  rmSync(target, { recursive: true, force: true });
  cpSync(path.join(root, 'examples', name, 'dist'), target, { recursive: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    buildSite({ examples: !process.argv.includes('--no-examples') });
  } catch (error) {
    console.error(`build-site: ${error?.message ?? error}`);
    process.exit(1);
  }
}
