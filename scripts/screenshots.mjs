// Pictures of <pkce-login> for the README: every status, in the light and dark schemes, in
// English and French, rendered by the built bundle (dist/pkce-login.js) in Chromium.
//
//   node scripts/screenshots.mjs [output folder]     (default: docs/screenshots/)
//
// Nothing listens on the network: Playwright answers every request of the page. The app page is
// http://localhost:8400/ and a stub OpenID Provider at https://op.example/ answers discovery,
// redirects every authorization request straight back with a code, and returns an ID token for
// Ada Lovelace (with or without a picture). "Loading" is caught while the element waits for an
// IndexedDB that never answers (it gives up after 3 s); "signing in" while the token request is
// held. Chromium: CHROME_PATH, default /usr/bin/chromium.
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const APP = 'http://localhost:8400/';
const ISSUER = 'https://op.example/';
const CLIENT_ID = 'screenshots';

/** Every picture, by file name stem. */
export const STATUSES = ['loading', 'signed-out', 'signing-in', 'signed-in-avatar', 'signed-in-initials', 'invalid-config'];
export const SCHEMES = ['light', 'dark'];
export const LANGUAGES = ['en', 'fr'];

/** `status-scheme-lang.png` for every combination. */
export function screenshotNames() {
  return STATUSES.flatMap((status) => SCHEMES.flatMap((scheme) => LANGUAGES.map((lang) => `${status}-${scheme}-${lang}.png`)));
}

/** A round avatar: a silhouette on a teal disc. */
const PICTURE = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#0f766e"/>'
    + '<circle cx="32" cy="25" r="12" fill="#ccfbf1"/><path d="M10 60c2-14 12-20 22-20s20 6 22 20z" fill="#ccfbf1"/></svg>',
)}`;

const b64u = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The app page: the bundle, one element, and a background in the page's colour scheme. */
function appPage(lang, attributes) {
  const attrs = Object.entries(attributes).map(([name, value]) => ` ${name}="${value}"`).join('');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<title>pkce-login</title>
<link rel="icon" href="data:,">
<style>
  html { color-scheme: light dark; background: Canvas; color: CanvasText; font: 16px/1.5 system-ui, sans-serif; }
  body { margin: 0; padding: 32px; }
</style>
<script type="module" src="/dist/pkce-login.js"></script>
</head>
<body><pkce-login${attrs}></pkce-login></body>
</html>`;
}

/**
 * A context in one scheme whose requests are all answered here. `provider.picture` says whether
 * the next ID token has a picture; `provider.holdToken` holds token requests until it is
 * replaced by `undefined` and `provider.release()` is called.
 */
async function openContext(browser, scheme) {
  const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 640, height: 240 } });
  const bundle = await readFile(path.join(ROOT, 'dist/pkce-login.js'));
  const provider = { picture: true, nonce: undefined, held: [], hold: false };
  provider.release = () => provider.held.splice(0).forEach((resume) => resume());
  const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };

  await context.route(`${APP}**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/dist/pkce-login.js') {
      return route.fulfill({ body: bundle, contentType: 'text/javascript; charset=utf-8' });
    }
    // /<lang>/ (the redirect URI), or /<lang>/invalid: no client-id.
    const [, lang = 'en', invalid] = url.pathname.split('/');
    const attributes = { issuer: ISSUER, ...(!invalid && { 'client-id': CLIENT_ID }) };
    return route.fulfill({ body: appPage(lang, attributes), contentType: 'text/html; charset=utf-8' });
  });

  await context.route(`${ISSUER}**`, async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (request.method() === 'OPTIONS') {
      return route.fulfill({ status: 204, headers: { ...cors, 'access-control-allow-headers': '*', 'access-control-allow-methods': '*' } });
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return route.fulfill({
        headers: cors,
        json: {
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}authorize`,
          token_endpoint: `${ISSUER}token`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['RS256'],
        },
      });
    }
    if (url.pathname === '/authorize') {
      provider.nonce = url.searchParams.get('nonce');
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', 'screenshot-code');
      back.searchParams.set('state', url.searchParams.get('state'));
      back.searchParams.set('iss', ISSUER);
      return route.fulfill({ status: 302, headers: { location: back.href } });
    }
    if (url.pathname === '/token') {
      if (provider.hold) await new Promise((resume) => provider.held.push(resume));
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: ISSUER, sub: 'ada', aud: CLIENT_ID, iat: now, exp: now + 3600, nonce: provider.nonce,
        name: 'Ada Lovelace', ...(provider.picture && { picture: PICTURE }),
      };
      // The stub's ID token is not signed: the element takes ID tokens from the token endpoint
      // over TLS without a signature check (OpenID Connect Core 3.1.3.7), every claim checked.
      const idToken = `${b64u({ alg: 'RS256', typ: 'JWT' })}.${b64u(claims)}.c2lnbmF0dXJl`;
      return route.fulfill({
        headers: cors,
        json: { access_token: 'screenshot-token', token_type: 'Bearer', expires_in: 3600, id_token: idToken },
      });
    }
    return route.fulfill({ status: 404, headers: cors, body: '' });
  });
  return { context, provider };
}

/** Waits for the element's `status` attribute. */
function waitForStatus(page, status) {
  return page.waitForFunction((s) => document.querySelector('pkce-login')?.getAttribute('status') === s, status, { timeout: 15_000 });
}

/** The element with 16 px around it, on the page's background. */
async function shoot(page, file) {
  const box = await page.locator('pkce-login').evaluate((el) => {
    const rects = [el, ...el.shadowRoot.querySelectorAll('*')]
      .map((e) => e.getBoundingClientRect())
      .filter((r) => r.width && r.height && r.width > 1);
    const left = Math.min(...rects.map((r) => r.left));
    const top = Math.min(...rects.map((r) => r.top));
    return { left, top, right: Math.max(...rects.map((r) => r.right)), bottom: Math.max(...rects.map((r) => r.bottom)) };
  });
  const pad = 16;
  const x = Math.floor(box.left - pad);
  const y = Math.floor(box.top - pad);
  await page.screenshot({
    path: file,
    clip: { x, y, width: Math.ceil(box.right + pad) - x, height: Math.ceil(box.bottom + pad) - y },
    animations: 'disabled',
    caret: 'hide',
  });
}

/** Every status of one scheme and language. */
async function shootAll(browser, scheme, lang, out) {
  const name = (status) => path.join(out, `${status}-${scheme}-${lang}.png`);
  const { context, provider } = await openContext(browser, scheme);
  try {
    const page = await context.newPage();
    const app = `${APP}${lang}/`;

    // Loading: an IndexedDB that never answers keeps the element starting for 3 seconds.
    const hanging = await context.newPage();
    await hanging.addInitScript(() => {
      indexedDB.open = () => ({});
    });
    await hanging.goto(app);
    await waitForStatus(hanging, 'loading');
    await shoot(hanging, name('loading'));
    if ((await hanging.locator('pkce-login').getAttribute('status')) !== 'loading') {
      throw new Error('the element finished loading before its picture was taken');
    }
    await hanging.close();

    await page.goto(app);
    await waitForStatus(page, 'signed-out');
    await shoot(page, name('signed-out'));

    // Signing in: the callback's token request is held.
    provider.hold = true;
    await Promise.all([page.waitForRequest(`${ISSUER}token`), page.locator('pkce-login button').click()]);
    await waitForStatus(page, 'signing-in');
    await shoot(page, name('signing-in'));
    provider.hold = false;
    provider.release();
    await waitForStatus(page, 'signed-in');
    await page.locator('pkce-login').evaluate((el) => el.shadowRoot.querySelector('img')?.decode());
    await shoot(page, name('signed-in-avatar'));

    await page.locator('pkce-login').evaluate((el) => el.logout({ local: true }));
    provider.picture = false;
    await Promise.all([page.waitForRequest(`${ISSUER}token`), page.locator('pkce-login button').click()]);
    await waitForStatus(page, 'signed-in');
    await shoot(page, name('signed-in-initials'));
    await page.locator('pkce-login').evaluate((el) => el.logout({ local: true }));

    await page.goto(`${app}invalid`);
    await waitForStatus(page, 'signed-out');
    await shoot(page, name('invalid-config'));
  } finally {
    await context.close();
  }
}

/** Writes every picture to `out`. */
export async function takeScreenshots(out) {
  await mkdir(out, { recursive: true });
  const browser = await launchChromium();
  try {
    for (const scheme of SCHEMES) {
      for (const lang of LANGUAGES) await shootAll(browser, scheme, lang, out);
    }
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs/screenshots'));
  await takeScreenshots(out);
  console.log(`${screenshotNames().length} screenshots in ${path.relative(process.cwd(), out) || '.'}`);
}
