/**
 * A loopback protected resource for the end-to-end tests: it accepts only DPoP-bound access
 * tokens (RFC 9449) and checks every proof the way a resource server must (§4.3, §7.1):
 *
 * - `Authorization: DPoP <token>` and exactly one `DPoP` header;
 * - the proof is a JWT with `typ: dpop+jwt`, an asymmetric `alg`, and a public `jwk` in its
 *   header whose signature verifies;
 * - `htm` is the request method, `htu` the request URL without query and fragment;
 * - `iat` is within {@link IAT_WINDOW_S} seconds of now;
 * - `ath` is base64url(SHA-256(access token));
 * - `jti` was never seen before (a replayed proof is refused);
 * - the access token is valid at the provider and bound to the proof's key: its `jkt` is the
 *   RFC 7638 thumbprint of `jwk`.
 *
 * It answers 200 with a JSON body, or 401 with `WWW-Authenticate: DPoP error=…` and a JSON body
 * naming the failed check. CORS is open to one origin, with `Authorization` and `DPoP` allowed.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';

/** Seconds of difference accepted between a proof's `iat` and now. */
export const IAT_WINDOW_S = 60;

const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'];

const base64url = (buffer) => Buffer.from(buffer).toString('base64url');

/**
 * @typedef {object} ApiRequest
 * @property {string} method
 * @property {string} url full URL as received
 * @property {Record<string, string | string[] | undefined>} headers the request headers
 * @property {number} status what the API answered
 * @property {string} [reason] why it refused, when it did
 * @property {Record<string, any>} [proof] the verified proof's header and claims
 */

/**
 * Starts the API.
 *
 * @param {object} options
 * @param {string} options.allowOrigin the app origin allowed by CORS
 * @param {(token: string) => Promise<{ jkt?: string, accountId?: string, scope?: string,
 *   isExpired?: boolean } | undefined>} options.findAccessToken looks the access token up at the
 *   provider (e.g. `provider.AccessToken.find`)
 * @param {string} [options.host='127.0.0.1']
 * @returns {Promise<{ origin: string, requests: ApiRequest[], close: () => Promise<void> }>}
 */
export async function startDpopApi({ allowOrigin, findAccessToken, host = '127.0.0.1' }) {
  const seenJti = new Set();
  /** @type {ApiRequest[]} */
  const requests = [];
  let origin;

  async function check(req) {
    const authorization = req.headers.authorization ?? '';
    const match = /^DPoP ([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization);
    if (!match) return { error: 'invalid_token', reason: `not a DPoP Authorization header: ${authorization.split(' ')[0] || 'none'}` };
    const token = match[1];
    const proofs = req.headersDistinct?.dpop ?? (req.headers.dpop ? [req.headers.dpop] : []);
    if (proofs.length !== 1) return { error: 'invalid_dpop_proof', reason: `${proofs.length} DPoP headers` };
    const proof = proofs[0];

    let header;
    let claims;
    try {
      header = decodeProtectedHeader(proof);
      if (header.typ !== 'dpop+jwt') throw new Error(`typ is ${header.typ}`);
      if (!ALGORITHMS.includes(header.alg)) throw new Error(`alg ${header.alg} is not an asymmetric algorithm`);
      if (!header.jwk || typeof header.jwk !== 'object') throw new Error('no jwk in the header');
      if ('d' in header.jwk || 'k' in header.jwk) throw new Error('the jwk is not a public key');
      const key = await importJWK(header.jwk, header.alg);
      ({ payload: claims } = await jwtVerify(proof, key, { typ: 'dpop+jwt', algorithms: [header.alg] }));
    } catch (error) {
      return { error: 'invalid_dpop_proof', reason: `proof does not verify: ${error.message}` };
    }

    const url = new URL(req.url, origin);
    const htu = `${url.origin}${url.pathname}`;
    if (claims.htm !== req.method) return { error: 'invalid_dpop_proof', reason: `htm ${claims.htm} is not ${req.method}` };
    if (typeof claims.htu !== 'string') return { error: 'invalid_dpop_proof', reason: 'no htu' };
    let proofHtu;
    try {
      const u = new URL(claims.htu);
      proofHtu = `${u.origin}${u.pathname}`;
    } catch {
      return { error: 'invalid_dpop_proof', reason: `htu ${claims.htu} is not a URL` };
    }
    if (proofHtu !== htu) return { error: 'invalid_dpop_proof', reason: `htu ${claims.htu} is not ${htu}` };
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.iat !== 'number' || Math.abs(now - claims.iat) > IAT_WINDOW_S) {
      return { error: 'invalid_dpop_proof', reason: `iat ${claims.iat} is not within ${IAT_WINDOW_S} s of ${now}` };
    }
    const ath = base64url(createHash('sha256').update(token).digest());
    if (claims.ath !== ath) return { error: 'invalid_dpop_proof', reason: `ath ${claims.ath} is not the token's hash ${ath}` };
    if (typeof claims.jti !== 'string' || claims.jti.length < 8) return { error: 'invalid_dpop_proof', reason: 'no usable jti' };
    if (seenJti.has(claims.jti)) return { error: 'invalid_dpop_proof', reason: `replayed jti ${claims.jti}` };
    seenJti.add(claims.jti);

    const thumbprint = await calculateJwkThumbprint(header.jwk, 'sha256');
    const accessToken = await findAccessToken(token);
    if (!accessToken || accessToken.isExpired) return { error: 'invalid_token', reason: 'the access token is unknown or expired at the provider' };
    if (accessToken.jkt !== thumbprint) {
      return { error: 'invalid_token', reason: `the token is bound to ${accessToken.jkt ?? 'no key'}, the proof's key is ${thumbprint}` };
    }
    return { ok: true, proof: { header, claims }, body: { ok: true, sub: accessToken.accountId, scope: accessToken.scope, jkt: thumbprint } };
  }

  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', allowOrigin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, DPoP, Content-Type');
      res.setHeader('Access-Control-Max-Age', '600');
      res.end();
      return;
    }
    // Drain any body, then check.
    req.resume();
    req.on('end', () => {
      check(req).then((outcome) => {
        const entry = { method: req.method, url: new URL(req.url, origin).href, headers: { ...req.headers } };
        res.setHeader('Content-Type', 'application/json');
        if (outcome.ok) {
          requests.push({ ...entry, status: 200, proof: outcome.proof });
          res.statusCode = 200;
          res.end(JSON.stringify(outcome.body));
        } else {
          requests.push({ ...entry, status: 401, reason: outcome.reason });
          res.statusCode = 401;
          res.setHeader('WWW-Authenticate', `DPoP error="${outcome.error}", algs="ES256"`);
          res.end(JSON.stringify({ error: outcome.error, reason: outcome.reason }));
        }
      }).catch((error) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: 'server_error', reason: String(error?.message ?? error) }));
      });
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  origin = `http://${host}:${server.address().port}`;

  let closed;
  const close = () => {
    closed ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return { origin, requests, close };
}
