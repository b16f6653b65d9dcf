/**
 * The unit and component tests in Firefox (Debian's firefox-esr, over WebDriver BiDi):
 * `npm run test:unit:firefox`. Every file in a light-scheme browser, and the scheme-dependent
 * file again in a dark-scheme one (BiDi cannot emulate the scheme: it is a pref set at launch).
 * One page at a time: Firefox throttles background tabs.
 */
import base from './web-test-runner.config.mjs';
import { firefoxLauncher, fixedSchemeTestRunnerHtml } from './scripts/wtr-engines.mjs';

export default {
  ...base,
  browsers: [firefoxLauncher({ scheme: 'light' })],
  testRunnerHtml: fixedSchemeTestRunnerHtml('light'),
  groups: [
    {
      name: 'dark',
      files: 'test/component/ui.test.ts',
      browsers: [firefoxLauncher({ scheme: 'dark' })],
      testRunnerHtml: fixedSchemeTestRunnerHtml('dark'),
    },
  ],
  concurrency: 1,
};
