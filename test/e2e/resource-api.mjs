/**
 * A loopback protected resource for the end-to-end tests of `apis` (issue 15): it accepts only a
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
 * @returns {Promise<{ origin: string, requests: ResourceRequest[], refuseNext: () => void, close: () => Promise<void> }>}
 */
export async function startResourceApi({ allowOrigin, issuer, jwksUri, resource, stepUp }) {
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
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
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
