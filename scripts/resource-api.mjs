/**
 * A loopback protected resource for the end-to-end tests of `apis` (issue 15) and the demo's
 * "Calling your APIs" panel (`npm start`, see `startDemoApis` below): it accepts only a
 * JWT access token (RFC 9068) signed by the provider (its JWKS), issued by it, and whose `aud` is
 * this API's resource indicator. Paths under `stepUpPath` also need the `acr` it names (the
 * provider puts the login's `acr` in its access tokens); without it the API answers an RFC 9470
 * step-up challenge: `401` with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
 * acr_values="…", max_age=…`.
 *
 * Every request is recorded: method, path, the `aud`, `scope` and `acr` of the token it verified,
 * what it answered and why.
 */
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { listen } from './listen.mjs';

/**
 * @typedef {object} ResourceRequest
 * @property {string} method
 * @property {string} path
 * @property {number} status
 * @property {string} [reason] why it refused, when it did
 * @property {string | string[]} [aud] the verified token's audience
 * @property {string} [scope]
 * @property {string} [acr]
 * @property {string} [token] the access token it was sent (to compare with the `token` events)
 */

/**
 * @param {object} options
 * @param {string} options.allowOrigin the app origin allowed by CORS
 * @param {string} options.issuer
 * @param {string} options.jwksUri the provider's `jwks_uri`
 * @param {string} options.resource this API's resource indicator: the `aud` it accepts
 * @param {{ path: string, acrValues: string, maxAge?: number }} [options.stepUp] a path prefix that needs one of `acrValues`
 * @param {number} [options.port=0] loopback port on 127.0.0.1 (0: a free one); rejects when taken
 * @returns {Promise<{ origin: string, requests: ResourceRequest[], refuseNext: () => void, close: () => Promise<void> }>}
 */
export async function startResourceApi({ allowOrigin, issuer, jwksUri, resource, stepUp, port = 0 }) {
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  /** @type {ResourceRequest[]} */
  const requests = [];
  let refuse = false;

  async function check(req) {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) return { status: 401, error: 'invalid_token', reason: `no Bearer token (${req.headers.authorization ?? 'no Authorization'})` };
    const token = match[1];
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience: resource }));
    } catch (error) {
      return { status: 401, error: 'invalid_token', reason: `not a JWT of ${issuer} for ${resource}: ${error.code ?? error.message}`, token };
    }
    const seen = { aud: payload.aud, scope: payload.scope, acr: payload.acr, token };
    if (refuse) {
      refuse = false;
      return { status: 401, error: 'invalid_token', reason: 'refused once on purpose', ...seen };
    }
    if (stepUp && req.url.startsWith(stepUp.path) && !stepUp.acrValues.split(' ').includes(payload.acr)) {
      return { status: 401, error: 'insufficient_user_authentication', reason: `acr ${payload.acr} is not ${stepUp.acrValues}`, ...seen };
    }
    return { status: 200, ...seen };
  }

  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', allowOrigin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.end();
      return;
    }
    req.resume();
    check(req)
      .then(({ status, error, ...seen }) => {
        requests.push({ method: req.method, path: req.url, status, ...seen });
        res.statusCode = status;
        res.setHeader('Content-Type', 'application/json');
        if (error === 'insufficient_user_authentication') {
          const maxAge = stepUp.maxAge === undefined ? '' : `, max_age=${stepUp.maxAge}`;
          res.setHeader('WWW-Authenticate', `Bearer error="${error}", error_description="a stronger login is needed", acr_values="${stepUp.acrValues}"${maxAge}`);
        } else if (error) {
          res.setHeader('WWW-Authenticate', `Bearer error="${error}"`);
        }
        res.end(JSON.stringify(status === 200 ? { ok: true, aud: seen.aud, scope: seen.scope, acr: seen.acr ?? null } : { error, reason: seen.reason }));
      })
      .catch((error) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: 'server_error', reason: String(error?.message ?? error) }));
      });
  });
  await listen(server, port, '127.0.0.1');
  const origin = `http://127.0.0.1:${server.address().port}`;

  let closed;
  return {
    origin,
    requests,
    /** The next request with a valid token is refused as `invalid_token` (a token revoked at the API, say). */
    refuseNext: () => {
      refuse = true;
    },
    close: () => {
      closed ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The demo's two APIs (npm start): API one (any path) and API two, whose /admin demands step-up.

export const DEMO_RESOURCES = { one: 'urn:example:api-one', two: 'urn:example:api-two' };
const DEMO_SCOPES = { [DEMO_RESOURCES.one]: 'read:one', [DEMO_RESOURCES.two]: 'read:two' };
export const DEMO_ACR = { password: 'urn:example:password', mfa: 'urn:example:mfa' };

/**
 * The provider configuration the demo's APIs need, deep-merged into the local provider's own
 * (`startProvider({ configOverrides })`): RFC 8707 resource indicators for the two resources (JWT
 * access tokens; no resource asked for: the element's own opaque token, as before), the two acr
 * values, a login prompt when the request's `acr_values` name none of the session's `acr`, the
 * login's `acr` in the access tokens, and bearer tokens (no DPoP: the APIs check audiences and
 * acr, not proofs). test/e2e/apis.test.mjs uses them too.
 */
export async function demoProviderOverrides() {
  // oidc-provider's start-up notices stay out of the console (as scripts/provider.mjs does).
  const { warn } = console;
  console.warn = (...args) => { if (!/oidc-provider (WARNING|NOTICE):/.test(String(args[0]))) warn.apply(console, args); };
  const { errors, interactionPolicy } = await import('oidc-provider').finally(() => { console.warn = warn; });
  const { base, Check } = interactionPolicy;
  const policy = base();
  policy.get('login').checks.add(new Check('acr_values', 'a requested acr is not met', (ctx) => {
    const wanted = ctx.oidc.params.acr_values?.split(' ');
    return wanted && !wanted.includes(ctx.oidc.acr) && !ctx.oidc.result?.login ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
  }));
  return {
    acrValues: [DEMO_ACR.password, DEMO_ACR.mfa],
    interactions: { policy },
    extraTokenClaims: async (ctx) => {
      const source = ctx.oidc.entities.RefreshToken ?? ctx.oidc.entities.AuthorizationCode;
      return source?.acr ? { acr: source.acr } : undefined;
    },
    features: {
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        getResourceServerInfo: async (ctx, resource) => {
          if (!(resource in DEMO_SCOPES)) throw new errors.InvalidTarget();
          return { scope: DEMO_SCOPES[resource], audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600 };
        },
      },
    },
  };
}

/**
 * The development login form knows no acr: a login signs in with the strongest acr the request
 * asked for (`urn:example:mfa`), else a password's.
 *
 * @param {import('oidc-provider').default} provider
 */
export function assignDemoAcr(provider) {
  const finished = provider.interactionFinished.bind(provider);
  provider.interactionFinished = async (req, res, result, options) => {
    if (result.login) {
      const { params } = await provider.interactionDetails(req, res);
      result.login.acr = String(params.acr_values ?? '').split(' ').includes(DEMO_ACR.mfa) ? DEMO_ACR.mfa : DEMO_ACR.password;
    }
    return finished(req, res, result, options);
  };
}

/**
 * Starts the demo's two APIs for an app at `allowOrigin` and the provider `issuer`, on `ports`
 * (a taken port is replaced by a free one). `config` is what the demo page reads from
 * `/demo/apis.json`: the issuer, the element's `apis`, and the URL each button calls.
 *
 * @param {{ allowOrigin: string, issuer: string, jwksUri: string, ports?: [number, number] }} options
 */
export async function startDemoApis({ allowOrigin, issuer, jwksUri, ports = [0, 0] }) {
  const common = { allowOrigin, issuer, jwksUri };
  const start = async (options, port) => {
    try {
      return await startResourceApi({ ...options, port });
    } catch (error) {
      if (error?.code !== 'EADDRINUSE' || port === 0) throw error;
      return startResourceApi({ ...options, port: 0 });
    }
  };
  const one = await start({ ...common, resource: DEMO_RESOURCES.one }, ports[0]);
  const two = await start({ ...common, resource: DEMO_RESOURCES.two, stepUp: { path: '/admin', acrValues: DEMO_ACR.mfa } }, ports[1]);
  const config = {
    issuer,
    apis: {
      [`${one.origin}/`]: { resource: DEMO_RESOURCES.one, scope: DEMO_SCOPES[DEMO_RESOURCES.one] },
      [`${two.origin}/`]: { resource: DEMO_RESOURCES.two, scope: DEMO_SCOPES[DEMO_RESOURCES.two] },
    },
    calls: { one: `${one.origin}/data`, two: `${two.origin}/admin` },
  };
  return { one, two, config, close: () => Promise.all([one.close(), two.close()]) };
}
