/**
 * ESLint (flat config): half of `npm run lint`; the other half is lit-analyzer, which type-checks
 * the lit templates (`lit-analyzer src --strict`).
 *
 * Linted: the TypeScript of src/ and test/, with @eslint/js's recommended rules, typescript-eslint's
 * recommended rules with type information (tsconfig.json, through the project service),
 * eslint-plugin-lit's recommended rules and eslint-plugin-wc's best-practice set (a superset of its
 * recommended one).
 *
 * Not linted (ignored): scripts/, bench/, demo/, examples/ and the plain JavaScript of test/
 * (`.mjs` Node tests, e2e pages). They are Node tooling, benchmark and demo pages, and framework
 * apps built and type-checked by their own toolchains (`npm run build:examples`); none of them is
 * part of the element.
 */
import js from '@eslint/js';
import { configs as lit } from 'eslint-plugin-lit';
import { configs as wc } from 'eslint-plugin-wc';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/*.{js,mjs,cjs}', 'node_modules/', 'dist/', 'site/', 'scripts/', 'bench/', 'demo/', 'examples/', 'docs/'],
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked, lit['flat/recommended'], wc['flat/best-practice']],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    settings: {
      wc: { elementBaseClasses: ['LitElement'] },
    },
    rules: {
      // `let nonce; provider(() => nonce); ...; nonce = ...`: a closure reads the variable before its
      // one assignment, so it cannot be a const declared there.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // As tsc's noUnused*: a parameter kept for its position or the API says so with `_`, and
      // `const { omitted, ...rest } = value` names what it leaves out.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // LitElement implements every lifecycle callback, so `super.connectedCallback()` needs no
      // `if (super.connectedCallback)` guard (eslint-plugin-lit's advice for wc with Lit).
      'wc/guard-super-call': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // @open-wc/testing's typings (@open-wc/semantic-dom-diff) declare chai's `equal` as returning
      // a Promise (for DOM snapshots): `expect(x).to.equal(y)` is synchronous and needs no await.
      // Every other floating promise in the tests is still reported.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', name: 'Equal', package: '@open-wc/semantic-dom-diff' }] },
      ],
      // Relaxed for tests only:
      // - chai's property assertions are expressions: `expect(record).to.exist;`
      '@typescript-eslint/no-unused-expressions': 'off',
      // - fakes and fixture tables keep the `async` shape of the API they stand in for, await or not
      '@typescript-eslint/require-await': 'off',
      // - sinon stubs methods, and a stub calls the original, saved unbound, with `.apply(this, ...)`
      '@typescript-eslint/unbound-method': 'off',
      // - recorded events' `detail` is `any` on purpose (test/helpers/events.ts), as are sinon's
      //   untyped spies: tests read them without a cast at every assertion
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
