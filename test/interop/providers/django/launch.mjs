/**
 * django-oauth-toolkit 1.7 (Debian `python3-django-oauth-toolkit` on Django 3.2, with
 * `python3-django-cors-headers`) on a loopback port picked at run time, from scratch: a new
 * SQLite database in a temporary folder, an RSA signing key generated at start, the users and
 * public clients (PKCE required) created before the server listens. `close()` stops the server
 * and deletes the folder. See `serve.py` for the Django side.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Debian's Python, where Debian's Django packages are (not a pyenv or venv `python3`). */
export const DOT_PYTHON = '/usr/bin/python3';
/** The Debian packages the provider needs. */
export const DOT_PACKAGES = ['python3-django-oauth-toolkit', 'python3-django-cors-headers'];
/** The one line that installs them. */
export const DOT_INSTALL_HINT = `apt-get install -y ${DOT_PACKAGES.join(' ')}`;

/**
 * Throws, with the install line, unless Debian's Python imports Django, django-oauth-toolkit and
 * django-cors-headers.
 *
 * @returns {string} django-oauth-toolkit's version
 */
export function checkDjangoOauthToolkit() {
  const probe = spawnSync(
    DOT_PYTHON,
    ['-c', 'import django, corsheaders, oauth2_provider; print(oauth2_provider.__version__)'],
    { encoding: 'utf8' },
  );
  if (probe.error || probe.status !== 0) {
    throw new Error(`django-oauth-toolkit is not installed (${DOT_PYTHON} cannot import it): `
      + `run \`${DOT_INSTALL_HINT}\``);
  }
  return probe.stdout.trim();
}

/**
 * @typedef {object} DjangoUser
 * @property {string} username
 * @property {string} password
 * @property {string} [first_name]
 * @property {string} [last_name]
 * @property {string} [email]
 */

/**
 * @typedef {object} DjangoClient a public client (no secret), authorization code grant, RS256
 * @property {string} client_id
 * @property {string[]} redirect_uris
 * @property {boolean} [skip_authorization] no consent page (a first-party app)
 */

/**
 * Starts django-oauth-toolkit.
 *
 * @param {object} options
 * @param {string} options.appOrigin the app's origin, allowed by CORS
 * @param {string} options.logoutRedirectUrl Django's `LOGOUT_REDIRECT_URL`
 * @param {DjangoUser[]} options.users
 * @param {DjangoClient[]} options.clients
 * @param {number} [options.accessTokenTtl=36000] `ACCESS_TOKEN_EXPIRE_SECONDS`
 * @param {number} [options.timeout=60000] milliseconds to wait for the server
 * @returns {Promise<{ issuer: string, origin: string, version: string, startedIn: number,
 *   output: () => string, close: () => Promise<void> }>}
 */
export async function startDjangoOauthToolkit(options) {
  const started = Date.now();
  const version = checkDjangoOauthToolkit();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pkce-login-dot-'));
  const config = {
    data_dir: dataDir,
    app_origin: options.appOrigin,
    logout_redirect_url: options.logoutRedirectUrl,
    access_token_ttl: options.accessTokenTtl ?? 36000,
    users: options.users,
    clients: options.clients,
  };
  const child = spawn(DOT_PYTHON, [path.join(here, 'serve.py')], {
    cwd: dataDir,
    env: { ...process.env, DOT_CONFIG: JSON.stringify(config), PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stderr.setEncoding('utf8').on('data', keep);

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let closed;
  const close = () => (closed ??= (async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  })());

  try {
    const port = await new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`django-oauth-toolkit did not start within `
        + `${options.timeout ?? 60_000} ms`)), options.timeout ?? 60_000);
      child.stdout.setEncoding('utf8').on('data', (chunk) => {
        stdout += chunk;
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line).port);
        }
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`django-oauth-toolkit exited (${code ?? signal}) before listening`));
      });
    });
    const origin = `http://127.0.0.1:${port}`;
    return {
      // The issuer django-oauth-toolkit derives from the request: where its URLs are mounted.
      issuer: `${origin}/o`,
      origin,
      version,
      startedIn: Date.now() - started,
      output: () => output,
      close,
    };
  } catch (error) {
    await close();
    throw new Error(`${error.message}\n${output.slice(-4000)}`, { cause: error });
  }
}
