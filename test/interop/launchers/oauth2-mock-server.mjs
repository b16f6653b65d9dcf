/**
 * oauth2-mock-server 9 on loopback: it approves every authorization request at once (no login
 * page), signs RS256 tokens for the fixed subject `johndoe`, and calls itself `localhost`
 * whatever address it listens on. Its events are its configuration: they set the access token
 * lifetime and the userinfo claims.
 */
import { requirePackages } from '../helpers.mjs';

export const USER = { sub: 'johndoe', name: 'John Doe', email: 'johndoe@example.test' };

/** @param {{ accessTokenTtl: number }} options */
export async function startOAuth2MockServer({ accessTokenTtl }) {
  const [{ OAuth2Server }] = await requirePackages(['oauth2-mock-server']);
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  server.service.on('beforeTokenSigning', (token) => {
    token.payload.exp = token.payload.iat + accessTokenTtl;
  });
  server.service.on('beforeResponse', (response) => {
    response.body.expires_in = accessTokenTtl;
  });
  server.service.on('beforeUserinfo', (response) => {
    response.body = { ...USER };
  });
  await server.start(0, '127.0.0.1');
  return { issuer: server.issuer.url, close: () => server.stop() };
}
