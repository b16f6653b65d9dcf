// The self-contained CDN bundle: dist/pkce-login.js, one minified ES module with lit, idb-keyval
// and oauth4webapi inside, loadable from a <script type="module">.
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// Collapses the white space inside the styles' css`…` template literal, which terser leaves alone.
function minifyCssTemplates() {
  return {
    name: 'minify-css-templates',
    transform(code, id) {
      if (!id.endsWith('.styles.js')) return null;
      const minified = code.replace(/\bcss`([^`]*)`/g, (_, body) =>
        'css`' +
        body
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{}:;,>])\s*/g, '$1')
          .replace(/;}/g, '}')
          .replace(/([ :(,])0\./g, '$1.')
          .trim() +
        '`',
      );
      return { code: minified, map: null };
    },
  };
}

export default {
  input: 'dist/npm/pkce-login.js',
  output: {
    file: 'dist/pkce-login.js',
    format: 'es',
    sourcemap: true,
  },
  plugins: [
    minifyCssTemplates(),
    // lit's production build (the `production` export condition): no dev-mode warnings.
    resolve({ browser: true, exportConditions: ['production'] }),
    terser({
      ecma: 2022,
      module: true,
      // The unsafe_* transforms only assume what the source never does: functions used as
      // constructors through a method or arrow, getters with side effects (pure_getters).
      compress: { passes: 4, unsafe: true, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
      toplevel: true,
      // No property mangling: lit reads reactive properties by name (decorators, attribute map).
      // What is private is a #private member, which terser shortens on its own.
      format: { comments: false },
    }),
  ],
};
