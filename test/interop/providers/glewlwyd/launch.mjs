/**
 * Glewlwyd 2.7.5 (Debian `glewlwyd`) with its OpenID Connect plugin on a loopback port picked at
 * run time, from scratch, in a temporary folder:
 *
 * 1. a SQLite database made with the package's own init script
 *    (`/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz`: the schema, the `openid` scope and
 *    the `admin` / `password` administrator), whose client store then declares the client
 *    property `post_logout_redirect_uris` (without it, end_session cannot match the post-logout
 *    redirect URI);
 * 2. a copy of the package's login and admin web app with every symbolic link replaced by its
 *    file (glewlwyd's static file server answers 404 for a symlinked file), and the web app's
 *    `config.json` as a file (Debian installs `config.json` as a folder);
 * 3. a `glewlwyd.conf` without any `use_secure_connection` line (its mere presence, even
 *    `false`, makes glewlwyd 2.7.5 demand a certificate);
 * 4. glewlwyd started on a free port, and then, through its admin API as `admin`: the OIDC
 *    plugin instances with an RSA key generated here, the users and the public clients.
 *
 * `close()` stops glewlwyd and deletes the folder.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { createServer } from 'node:net';
import { access, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const GLEWLWYD_BIN = '/usr/bin/glewlwyd';
export const GLEWLWYD_PACKAGES = ['glewlwyd'];
export const GLEWLWYD_INSTALL_HINT = `apt-get install -y ${GLEWLWYD_PACKAGES.join(' ')}`;
const SQLITE_BIN = '/usr/bin/sqlite3';
const INIT_SQL = '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz';
const WEBAPP = '/usr/share/glewlwyd/webapp';
const WEBAPP_CONFIG = '/usr/share/glewlwyd/templates/config.json';
const MODULES = '/usr/lib/glewlwyd';
/** The administrator the package's init script creates. */
const ADMIN = { username: 'admin', password: 'password' };

/**
 * The OIDC plugin's parameters as glewlwyd's admin app sets them for a new instance
 * (webapp-src/src/Admin/GlwdOIDCParams.js, 2.7.5), less CIBA, e-mail and FAPI details.
 */
const ADMIN_APP_DEFAULTS = {
  'oauth-as-iss-id': false,
  'jwt-type': 'rsa',
  'jwt-key-size': '256',
  'jwks-uri': '',
  'default-kid': '',
  'client-sign_kid-parameter': '',
  'jwks-public': '',
  'access-token-duration': 3600,
  'refresh-token-duration': 1209600,
  'code-duration': 600,
  'refresh-token-rolling': true,
  'refresh-token-one-use': 'never',
  'client-refresh-token-one-use-parameter': 'refresh-token-one-use',
  'allow-non-oidc': false,
  'auth-type-code-enabled': true,
  'auth-type-code-revoke-replayed': false,
  'auth-type-token-enabled': true,
  'auth-type-id-token-enabled': true,
  'auth-type-none-enabled': true,
  'auth-type-password-enabled': false,
  'auth-type-client-enabled': true,
  'auth-type-device-enabled': false,
  'auth-type-refresh-enabled': true,
  scope: [],
  'additional-parameters': [],
  claims: [],
  'jwks-show': true,
  'jwks-x5c': [],
  'request-parameter-allow': true,
  'request-uri-allow-https-non-secure': false,
  'request-parameter-allow-encrypted': true,
  'request-parameter-ietf-strict': false,
  'address-claim': {
    type: 'no', formatted: '', street_address: '', locality: '', region: '', postal_code: '',
    country: '', mandatory: false,
  },
  'name-claim': 'on-demand',
  'name-claim-scope': [],
  'email-claim': 'no',
  'email-claim-scope': [],
  'scope-claim': 'no',
  'scope-claim-scope': [],
  'allowed-scope': ['openid'],
  'pkce-allowed': false,
  'pkce-method-plain-allowed': false,
  'pkce-required': false,
  'pkce-required-public-client': false,
  'pkce-scopes': [],
  'introspection-revocation-allowed': false,
  'introspection-revocation-auth-scope': [],
  'introspection-revocation-allow-target-client': true,
  'register-client-allowed': false,
  'session-management-allowed': false,
  'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
  'session-cookie-expiration': 2419200,
  'front-channel-logout-allowed': true,
  'back-channel-logout-allowed': true,
  'client-pubkey-parameter': '',
  'client-jwks-parameter': 'jwks',
  'client-jwks_uri-parameter': 'jwks_uri',
  'request-maximum-exp': 3600,
  'encrypt-out-token-allow': false,
  'device-authorization-expiration': 600,
  'device-authorization-interval': 5,
  'client-cert-header-name': 'SSL_CLIENT_CERT',
  'client-cert-use-endpoint-aliases': false,
  'client-cert-self-signed-allowed': false,
  'oauth-dpop-allowed': false,
  'oauth-dpop-iat-duration': 10,
  'oauth-dpop-iat-gap-duration': 0,
  'oauth-dpop-dpop_bound_access_tokens-property': 'dpop_bound_access_tokens',
  'oauth-dpop-nonce-mandatory': false,
  'oauth-dpop-nonce-counter': 10,
  'resource-allowed': false,
  'oauth-rar-allowed': false,
  'oauth-par-allowed': false,
  'oauth-par-duration': 90,
  'oauth-par-required': false,
  'oauth-par-request_uri-prefix': 'urn:ietf:params:oauth:request_uri:',
  'prompt-continue-client-property': '',
  'restrict-scope-client-property': '',
  'oauth-ciba-allowed': false,
  'jwks-public-uri': '',
};

/**
 * What the element needs from the OIDC plugin, on top of the admin app's defaults: PKCE (S256)
 * allowed and required of public clients, the name and e-mail claims always given (the default
 * gives the name only when the `claims` parameter asks for it), RP-initiated logout (session
 * management: `end_session_endpoint`), and PAR offered (not required).
 */
export const PLUGIN_SETTINGS = {
  'pkce-allowed': true,
  'pkce-required-public-client': true,
  'name-claim': 'mandatory',
  'email-claim': 'mandatory',
  'session-management-allowed': true,
  'oauth-par-allowed': true,
};

/**
 * The client store (the `database` client module of the init script) declares the client
 * property `post_logout_redirect_uris`, a list: the OIDC plugin's end_session endpoint looks
 * the post-logout redirect URI up there, and the store keeps no property it does not declare.
 */
const DECLARE_POST_LOGOUT_REDIRECT_URIS = `
UPDATE g_client_module_instance
SET gcmi_parameters = json_set(gcmi_parameters, '$."data-format".post_logout_redirect_uris',
                               json('{"multiple":true,"read":true,"write":true}'))
WHERE gcmi_name = 'database';
`;

/**
 * Throws, with the install line, unless the glewlwyd package (and the sqlite3 it depends on)
 * is installed.
 */
export async function checkGlewlwyd() {
  for (const file of [GLEWLWYD_BIN, SQLITE_BIN, INIT_SQL, WEBAPP_CONFIG, `${MODULES}/plugin/libprotocol_oidc.so`]) {
    try {
      await access(file, constants.R_OK);
    } catch {
      throw new Error(`glewlwyd is not installed (no ${file}): run \`${GLEWLWYD_INSTALL_HINT}\``);
    }
  }
}

/** A loopback port that was free a moment ago (glewlwyd cannot listen on port 0). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

function configFile({ port, origin, appOrigin, dir }) {
  const types = {
    '.html': 'text/html', '.css': 'text/css', '.js': 'application/javascript',
    '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml',
    '.ico': 'image/x-icon', '.ttf': 'font/ttf', '.otf': 'font/otf', '.woff': 'font/woff',
    '.woff2': 'font/woff2', '.eot': 'application/vnd.ms-fontobject', '.map': 'application/octet-stream',
  };
  // No use_secure_connection line at all: glewlwyd 2.7.5 wants a certificate as soon as it sees one.
  return `port=${port}
bind_address="127.0.0.1"
external_url="${origin}"
login_url="login.html"
api_prefix="api"
static_files_path="${dir}/webapp/"
allow_origin="${appOrigin}"
allow_methods="GET, POST, PUT, DELETE, OPTIONS"
allow_headers="Origin, X-Requested-With, Content-Type, Accept, Bearer, Authorization, DPoP"
expose_headers="Content-Encoding, Authorization, WWW-Authenticate, DPoP-Nonce"
log_mode="console"
log_level="INFO"
cookie_secure=0
cookie_same_site="empty"
session_expiration=2419200
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
add_x_frame_option_header_deny=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="${MODULES}/user"
client_module_path="${MODULES}/client"
user_auth_scheme_module_path="${MODULES}/scheme"
plugin_module_path="${MODULES}/plugin"
hash_algorithm="SHA512"
database =
{
  type = "sqlite3"
  path = "${dir}/glewlwyd.sqlite3"
};
static_files_mime_types =
(
${Object.entries(types).map(([extension, type]) => `  { extension = "${extension}" mime_type = "${type}" }`).join(',\n')}
)
`;
}

/** A private RSA signing key as a JWKS, generated now. */
function rsaJwks() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    keys: [{ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }],
  });
}

/** A client of glewlwyd's admin API, signed in as `admin` (its session cookie). */
async function adminApi(origin) {
  const login = await fetch(`${origin}/api/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (login.status !== 200) throw new Error(`glewlwyd admin login: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return async (method, url, body) => {
    const response = await fetch(`${origin}/api${url}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`glewlwyd ${method} /api${url}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/**
 * @typedef {object} GlewlwydUser
 * @property {string} username
 * @property {string} password
 * @property {string} [name]
 * @property {string} [email]
 */

/**
 * @typedef {object} GlewlwydClient a public client (no secret)
 * @property {string} client_id
 * @property {string[]} redirect_uri
 * @property {string[]} [post_logout_redirect_uris]
 */

/**
 * @typedef {object} GlewlwydPlugin an OIDC plugin instance; its issuer is `<origin>/api/<name>`
 * @property {string} name
 * @property {Record<string, unknown>} [parameters] on top of the defaults and PLUGIN_SETTINGS
 */

/**
 * Starts glewlwyd.
 *
 * @param {object} options
 * @param {string} options.appOrigin the app's origin, allowed by CORS (`allow_origin`)
 * @param {GlewlwydUser[]} options.users
 * @param {GlewlwydClient[]} options.clients
 * @param {GlewlwydPlugin[]} [options.plugins] default: one instance named `oidc`
 * @param {number} [options.timeout=30000] milliseconds to wait for glewlwyd
 * @returns {Promise<{ origin: string, issuer: (plugin?: string) => string, startedIn: number,
 *   output: () => string, close: () => Promise<void> }>}
 */
export async function startGlewlwyd(options) {
  const started = Date.now();
  await checkGlewlwyd();
  const timeout = options.timeout ?? 30_000;
  const dir = await mkdtemp(path.join(tmpdir(), 'pkce-login-glewlwyd-'));
  let child;
  let output = '';
  let exited;
  let closed;
  const close = () => (closed ??= (async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  })());

  try {
    await run(SQLITE_BIN, [path.join(dir, 'glewlwyd.sqlite3')], Buffer.concat([
      gunzipSync(await readFile(INIT_SQL)),
      Buffer.from(DECLARE_POST_LOGOUT_REDIRECT_URIS),
    ]));
    await cp(WEBAPP, path.join(dir, 'webapp'), {
      recursive: true,
      dereference: true,
      filter: (source) => source !== path.join(WEBAPP, 'config.json'),
    });
    await writeFile(path.join(dir, 'webapp', 'config.json'), await readFile(WEBAPP_CONFIG));

    let origin;
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      const conf = path.join(dir, 'glewlwyd.conf');
      await writeFile(conf, configFile({ port, origin, appOrigin: options.appOrigin, dir }));
      child = spawn(GLEWLWYD_BIN, [`--config-file=${conf}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk) => { output = (output + chunk).slice(-50_000); };
      child.stdout.setEncoding('utf8').on('data', keep);
      child.stderr.setEncoding('utf8').on('data', keep);
      exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      const ready = await waitUntilListening(origin, exited, timeout);
      if (ready) break;
      if (attempt === 3) throw new Error('glewlwyd exited before listening, three times');
    }

    const api = await adminApi(origin);
    const jwks = rsaJwks();
    for (const plugin of options.plugins ?? [{ name: 'oidc' }]) {
      await api('POST', '/mod/plugin/', {
        module: 'oidc',
        name: plugin.name,
        display_name: `OpenID Connect (${plugin.name})`,
        enabled: true,
        parameters: {
          ...ADMIN_APP_DEFAULTS,
          ...PLUGIN_SETTINGS,
          'jwks-private': jwks,
          iss: `${origin}/api/${plugin.name}`,
          ...plugin.parameters,
        },
      });
    }
    for (const user of options.users) {
      await api('POST', '/user/', {
        username: user.username,
        password: user.password,
        name: user.name ?? user.username,
        email: user.email ?? '',
        // The scopes glewlwyd grants are those that exist and the user has: `openid` (the init
        // script's) is all the element needs; of its `openid profile email offline_access`,
        // glewlwyd grants `openid`, issues a refresh token anyway, and the claims settings put
        // the name and e-mail address in.
        scope: ['openid'],
        enabled: true,
      });
    }
    for (const client of options.clients) {
      await api('POST', '/client/', {
        client_id: client.client_id,
        name: client.name ?? client.client_id,
        confidential: false,
        enabled: true,
        redirect_uri: client.redirect_uri,
        post_logout_redirect_uris: client.post_logout_redirect_uris ?? client.redirect_uri,
        authorization_type: ['code', 'refresh_token'],
        token_endpoint_auth_method: ['none'],
        scope: [],
      });
    }

    return {
      origin,
      issuer: (name = 'oidc') => `${origin}/api/${name}`,
      startedIn: Date.now() - started,
      output: () => output,
      close,
    };
  } catch (error) {
    await close();
    throw new Error(`glewlwyd did not start: ${error.message}\n${output.slice(-4000)}`, { cause: error });
  }
}

/** Resolves true once `origin` answers, false when glewlwyd exits first. */
async function waitUntilListening(origin, exited, timeout) {
  let gone = false;
  exited.then(() => { gone = true; });
  const deadline = Date.now() + timeout;
  while (!gone) {
    try {
      const response = await fetch(`${origin}/config`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`glewlwyd did not answer within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
