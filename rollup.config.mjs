// The self-contained CDN bundle: dist/pkce-login.js, one minified ES module with idb-keyval and
// oauth4webapi inside, loadable from a <script type="module">.
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// Collapses the white space inside the template literal marked /* css */, which terser leaves alone.
function minifyCssTemplates() {
  return {
    name: 'minify-css-templates',
    transform(code, id) {
      if (!id.endsWith('.styles.js')) return null;
      const minified = code.replace(/\/\* css \*\/\s*`([^`]*)`/g, (_, body) =>
        '`' +
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
    resolve({ browser: true }),
    terser({
      ecma: 2022,
      module: true,
      // The unsafe_* transforms only assume what the source never does: functions used as
      // constructors through a method or arrow, getters with side effects (pure_getters).
      compress: { passes: 4, unsafe: true, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
      toplevel: true,
      // Private members are named __x so that they can be shortened safely.
      mangle: { properties: { regex: /^__/ } },
      format: { comments: false },
    }),
  ],
};
