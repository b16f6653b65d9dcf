/**
 * Unsigned-but-well-formed JWTs for ID token tests. oauth4webapi does not verify the signature of
 * an ID token received from the token endpoint over TLS (OIDC Core §3.1.3.7 (6)), so any
 * signature segment will do; every claim is still checked.
 */

/** base64url without padding, of a string (UTF-8) or bytes. */
export function b64u(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `header.claims.signature`, the signature being junk (or empty for `alg: none`). */
export function unsignedJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  const signature = header.alg === 'none' ? '' : b64u('not a real signature');
  return `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}.${signature}`;
}

/** The SHA-256 S256 code challenge of `verifier`, computed here independently of oauth4webapi. */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64u(new Uint8Array(digest));
}

/** Current time in epoch seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
