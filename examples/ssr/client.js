// The browser entry of the server-rendering example, bundled by server.mjs (esbuild) into
// /client.js. The order matters: lit's hydrate support first, so that the element, once
// defined, takes over the declarative shadow DOM the server rendered instead of rendering anew.
import '@lit-labs/ssr-client/lit-element-hydrate-support.js';
import 'pkce-login/pkce-login.js';
