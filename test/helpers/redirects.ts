/**
 * Redirects as the element's `fetch` sees them. oauth4webapi asks for `redirect: 'manual'`, under
 * which a browser page never sees a 3xx: it gets an opaque-redirect filtered response (Fetch
 * standard) instead, whatever the redirect's status and Location.
 */

/**
 * An opaque-redirect response: type "opaqueredirect", status 0, no headers, no body. Scripts
 * cannot construct one: a real Response is made to look like it.
 */
export function opaqueRedirect(): Response {
  const response = new Response(null);
  Object.defineProperties(response, { type: { value: 'opaqueredirect' }, status: { value: 0 }, ok: { value: false } });
  return response;
}
