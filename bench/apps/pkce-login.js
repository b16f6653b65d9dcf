// <pkce-login> as a bundler user gets it: `import 'pkce-login/pkce-login.js'` (the npm ES module
// build, dist/npm/). The page has <pkce-login issuer="…" client-id="…"></pkce-login>.
import '../../dist/npm/pkce-login.js';
