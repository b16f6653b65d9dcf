/**
 * Unit and component tests, in headless Chromium: `npm run test:unit` (`wtr`).
 * End-to-end tests (a full redirect to a real provider) run outside wtr: `npm run test:e2e`.
 */
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.mjs';

export default {
  files: 'test/{unit,component}/**/*.test.ts',
  nodeResolve: true,
  plugins: [
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      // An absolute path: the plugin reads it relative to the working directory. esbuild takes
      // `useDefineForClassFields: false` from it, without which class fields would shadow the
      // element's property accessors.
      tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
    }),
  ],
  browsers: [
    // puppeteer-core with the system browser: nothing is downloaded.
    chromeLauncher({
      // Each page (a test file at a time) in a browser context of its own: test files run in
      // parallel, and the element's IndexedDB, BroadcastChannel and Web Locks are shared by every
      // page of the origin in a context, so parallel files would see (and clear) each other's
      // transactions and sessions.
      createPage: async ({ browser }) => (await browser.createBrowserContext()).newPage(),
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
      },
    }),
  ],
  concurrency: 2,
  // Most fault tests leave their `error` event unhandled on purpose, so the element warns on the
  // console each time (test/component/unheard-errors.test.ts checks that warning): not shown here.
  filterBrowserLogs: ({ type, args }) => !(type === 'warn' && String(args[0]).startsWith('<pkce-login> error not handled')),
  testFramework: { config: { timeout: 5000, retries: 0 } },
  browserStartTimeout: 30_000,
  testsStartTimeout: 30_000,
  testsFinishTimeout: 60_000,
};
