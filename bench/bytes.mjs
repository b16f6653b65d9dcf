/**
 * Bytes: each minimal app bundled with the same esbuild settings (bundle, minify, ES module,
 * browser platform, target es2022, no legal comments), plus our CDN bundle as our rollup config
 * builds it; raw, gzip -9 and brotli (quality 11) sizes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');

/** The apps, in table order. `timed`: also run through logins in Chromium. */
export const APPS = [
  { id: 'floor', name: 'hand-written PKCE page (floor)', entry: 'floor.js', pkg: null },
  { id: 'oauth4webapi', name: 'oauth4webapi alone', entry: 'oauth4webapi.js', pkg: 'oauth4webapi' },
  { id: 'pkce-login-esbuild', name: '<pkce-login>, esbuild from dist/npm/pkce-login.js', entry: 'pkce-login.js', pkg: null, ours: true },
  { id: 'oidc-client-ts', name: 'oidc-client-ts', entry: 'oidc-client-ts.js', pkg: 'oidc-client-ts' },
  // What a developer would build instead of ours on the same foundation: oidc-client-ts with a
  // LitElement login button (lit inlined, like our CDN bundle).
  { id: 'oidc-client-ts-lit', name: 'oidc-client-ts + lit (LitElement button)', entry: 'oidc-client-ts-lit.js', pkg: 'oidc-client-ts' },
  { id: 'keycloak-js', name: 'keycloak-js', entry: 'keycloak-js.js', pkg: 'keycloak-js' },
  { id: 'auth0-spa-js', name: '@auth0/auth0-spa-js', entry: 'auth0-spa-js.js', pkg: '@auth0/auth0-spa-js' },
];

/** The esbuild settings shared by every app. */
export const ESBUILD_SETTINGS = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  legalComments: 'none',
};

/**
 * The values the apps are built with: placeholders for the size table, the local provider's for
 * the timed runs.
 *
 * @param {{ issuer: string, clientId: string, authorizationEndpoint: string, tokenEndpoint: string }} config
 */
function defines(config, bench) {
  return {
    // Marks for the timed runs only (e.g. an extra event): none in the byte table's build.
    __BENCH__: String(bench),
    __ISSUER__: JSON.stringify(config.issuer),
    __DOMAIN__: JSON.stringify(new URL(config.issuer).host),
    __CLIENT_ID__: JSON.stringify(config.clientId),
    __AUTHORIZATION_ENDPOINT__: JSON.stringify(config.authorizationEndpoint),
    __TOKEN_ENDPOINT__: JSON.stringify(config.tokenEndpoint),
    'process.env.NODE_ENV': '"production"',
  };
}

/** Placeholder configuration for the size table (the same length class as a real tenant). */
export const SIZE_CONFIG = {
  issuer: 'https://login.example.com',
  clientId: 'k3Hq8ZpV2mWb7sRt',
  authorizationEndpoint: 'https://login.example.com/authorize',
  tokenEndpoint: 'https://login.example.com/oauth/token',
};

/**
 * Bundles one app.
 *
 * @param {string} entry file name under bench/apps/
 * @param {typeof SIZE_CONFIG} config
 * @param {boolean} [bench] with the timed runs' marks (`__BENCH__`)
 * @returns {Promise<Buffer>}
 */
export async function bundleApp(entry, config, bench = false) {
  const result = await build({
    ...ESBUILD_SETTINGS,
    entryPoints: [path.join(here, 'apps', entry)],
    define: defines(config, bench),
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0].contents);
}

/** Raw, gzip -9 and brotli (quality 11) sizes of `code`. */
export function sizes(code) {
  return {
    raw: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: code.length,
      },
    }).length,
  };
}

/**
 * Builds every app with the placeholder configuration and measures it; adds our CDN bundle.
 *
 * @returns {Promise<{ id: string, name: string, raw: number, gzip: number, brotli: number, ours?: boolean }[]>}
 */
export async function measureBytes() {
  const rows = [];
  const cdn = await readFile(path.join(root, 'dist/pkce-login.js'));
  rows.push({ id: 'pkce-login-cdn', name: '<pkce-login>, dist/pkce-login.js (our rollup build)', ours: true, ...sizes(cdn) });
  for (const app of APPS) {
    const code = await bundleApp(app.entry, SIZE_CONFIG);
    rows.push({ id: app.id, name: app.name, ours: app.ours, ...sizes(code) });
  }
  return rows;
}

/** Installed version of a package (from its package.json). */
export async function packageVersion(name) {
  const json = JSON.parse(await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return json.version;
}
