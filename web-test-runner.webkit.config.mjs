/**
 * The unit and component tests in WebKit (Debian's WebKitGTK MiniBrowser through
 * WebKitWebDriver, on an Xvfb display of its own): `npm run test:unit:webkit`. Every file in a
 * light-scheme browser, and the scheme-dependent file again in a dark-scheme one (launched with
 * `--dark-mode`: classic WebDriver cannot emulate the scheme). One file at a time, in the one
 * window (with more, the runner would use iframes).
 */
import base from './web-test-runner.config.mjs';
import { fixedSchemeTestRunnerHtml, webkitLauncher } from './scripts/wtr-engines.mjs';

export default {
  ...base,
  browsers: [webkitLauncher({ scheme: 'light' })],
  testRunnerHtml: fixedSchemeTestRunnerHtml('light'),
  groups: [
    {
      name: 'dark',
      files: 'test/component/ui.test.ts',
      browsers: [webkitLauncher({ scheme: 'dark' })],
      testRunnerHtml: fixedSchemeTestRunnerHtml('dark'),
    },
  ],
  concurrency: 1,
};
