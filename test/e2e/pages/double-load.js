// Counts the module instances of the CDN bundle on this page: the two <script type="module">
// tags load it under two URLs, so two instances must have run (each exporting its own class).
const [first, second] = await Promise.all([import('/dist/pkce-login.js?a'), import('/dist/pkce-login.js?b')]);
window.__bundleInstances = new Set([first.PkceLogin, second.PkceLogin]).size;
