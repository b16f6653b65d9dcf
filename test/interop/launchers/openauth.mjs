/**
 * OpenAuth 0.4 (`@openauthjs/openauth`) on loopback: plain OAuth 2 with RFC 8414 metadata only
 * (no OpenID Connect discovery, no ID token, no userinfo), the password provider and its own
 * login page, in-memory storage, one user. OpenAuth has no client registry: any client id, and
 * redirect URIs on localhost are allowed by default.
 *
 * The host adds one route OpenAuth leaves to the app, `GET /userinfo`: it verifies the access
 * token with OpenAuth's client (`verify`) and answers the subject's properties, with CORS for the
 * app. Nothing else is changed: OpenAuth's own answers (a 404 without CORS headers for
 * /.well-known/openid-configuration, a token response without `token_type`) reach the element as
 * they are.
 */
import { requirePackages } from '../helpers.mjs';
import { startFetchServer } from './fetch-server.mjs';

export const USER = { email: 'grace@example.test', password: 'correct horse battery staple', name: 'Grace Hopper' };
export const CLIENT_ID = 'pkce-login-interop';

/** A Standard Schema (what OpenAuth's subjects are described with) for `{ id, name, email }`. */
const userSchema = {
  '~standard': {
    version: 1,
    vendor: 'pkce-login-interop',
    validate: (value) => (typeof value?.id === 'string' && typeof value?.name === 'string'
      ? { value }
      : { issues: [{ message: 'a user has an id and a name' }] }),
  },
};

/** @param {{ appOrigin: string, accessTokenTtl: number }} options */
export async function startOpenAuth({ appOrigin, accessTokenTtl }) {
  const [{ issuer }, { PasswordProvider, ScryptHasher }, { PasswordUI }, { MemoryStorage }, { Storage }, { createClient }] = await requirePackages([
    '@openauthjs/openauth',
    '@openauthjs/openauth/provider/password',
    '@openauthjs/openauth/ui/password',
    '@openauthjs/openauth/storage/memory',
    '@openauthjs/openauth/storage/storage',
    '@openauthjs/openauth/client',
  ]);
  const server = await startFetchServer();
  // Before issuer(): Hono's logger takes console.log when it is created.
  const restoreLog = quietRequestLog();
  try {
    const storage = MemoryStorage();
    const subjects = { user: userSchema };
    const app = issuer({
      subjects,
      storage,
      ttl: { access: accessTokenTtl },
      providers: {
        password: PasswordProvider(PasswordUI({ sendCode: async () => {} })),
      },
      success: async (ctx, value) => ctx.subject('user', { id: value.email, name: USER.name, email: value.email }),
    });
    // The account, as the password provider's registration stores it.
    await Storage.set(storage, ['email', USER.email, 'password'], await ScryptHasher().hash(USER.password));

    const client = createClient({ clientID: CLIENT_ID, issuer: server.origin });
    const userinfo = async (request) => {
      const cors = { 'access-control-allow-origin': appOrigin, vary: 'Origin' };
      if (request.method === 'OPTIONS') {
        return new Response(null, { status: 204, headers: { ...cors, 'access-control-allow-headers': 'Authorization' } });
      }
      const token = request.headers.get('authorization')?.match(/^Bearer (.+)$/)?.[1];
      const verified = token ? await client.verify(subjects, token) : { err: new Error('no token') };
      if (verified.err) {
        return new Response(null, { status: 401, headers: { ...cors, 'www-authenticate': 'Bearer error="invalid_token"' } });
      }
      const { id, name, email } = verified.subject.properties;
      return Response.json({ sub: id, name, email }, { headers: cors });
    };
    server.handle((request) => (new URL(request.url).pathname === '/userinfo' ? userinfo(request) : app.fetch(request)));
    const close = () => server.close().finally(restoreLog);
    return { issuer: server.origin, userinfoEndpoint: `${server.origin}/userinfo`, close };
  } catch (error) {
    await server.close();
    restoreLog();
    throw error;
  }
}

/** OpenAuth logs every request (Hono's logger, always on): keep those lines out of the test report. */
function quietRequestLog() {
  const { log } = console;
  console.log = (...args) => {
    if (typeof args[0] === 'string' && /^(<--|-->) /.test(args[0])) return;
    log.apply(console, args);
  };
  return () => { console.log = log; };
}
