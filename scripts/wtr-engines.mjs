/**
 * Web Test Runner launchers for the engines beside Chromium (see scripts/browsers.mjs), each in
 * one colour scheme fixed at launch, since neither can emulate `prefers-color-scheme` through
 * its driver.
 */
import * as puppeteerCore from 'puppeteer-core';
import { chromeLauncher } from '@web/test-runner-chrome';
import { WebdriverLauncher } from '@web/test-runner-webdriver';
import { firefoxLaunchOptions, startWebKit } from './browsers.mjs';

/**
 * A new Firefox tab may still be loading its initial about:blank when the runner navigates it
 * to the test page, and that navigation then fails with NS_BINDING_ABORTED (seen now and then
 * on a busy machine): try the navigation again, at most twice.
 *
 * @param {import('puppeteer-core').Page} page
 */
function retryAbortedFirstNavigation(page) {
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await goto(url, options);
      } catch (error) {
        if (attempt >= 3 || !/NS_BINDING_ABORTED/.test(String(error?.message))) throw error;
      }
    }
  };
  return page;
}

/**
 * Headless Firefox over WebDriver BiDi, through puppeteer-core. Each page in a browser context
 * of its own (a BiDi user context), as in Chromium. One page at a time: Firefox throttles the
 * timers of background tabs, and two tabs at once made slow tests time out.
 *
 * @param {{ scheme?: 'light' | 'dark' }} [options]
 */
export function firefoxLauncher({ scheme = 'light' } = {}) {
  const launcher = chromeLauncher({
    puppeteer: puppeteerCore,
    concurrency: 1,
    createPage: async ({ browser }) => retryAbortedFirstNavigation(await (await browser.createBrowserContext()).newPage()),
    launchOptions: firefoxLaunchOptions({ scheme }),
  });
  launcher.name = scheme === 'dark' ? 'Firefox (dark)' : 'Firefox';
  return launcher;
}

/**
 * WebKit (MiniBrowser under Xvfb) through WebKitWebDriver: the display and a driver of its own
 * are started when the runner initialises the launcher, and ended when it stops it. Test files
 * run one after the other in the one window (the runner's `concurrency` must be 1, or it runs
 * them in iframes).
 */
class WebKitLauncher extends WebdriverLauncher {
  #scheme;
  #webkit;

  constructor(scheme) {
    super({ capabilities: { browserName: 'MiniBrowser' } });
    this.#scheme = scheme;
  }

  async initialize(config, testFiles) {
    this.#webkit = await startWebKit({ scheme: this.#scheme });
    Object.assign(this.options, this.#webkit.options);
    await super.initialize(config, testFiles);
    this.name = this.#scheme === 'dark' ? 'WebKit (dark)' : 'WebKit';
  }

  async stop() {
    await super.stop();
    await this.#webkit?.close();
  }

  /**
   * No heartbeat. The base launcher sends `getTitle` every 60 s to keep a remote session alive,
   * whatever command is in flight; WebKitWebDriver 2.50 does not queue classic commands, and a
   * `getTitle` that comes during a navigation takes over its wait, so the navigation never
   * answers (WebKit bug 323447, fixed in 2.54): "Timed out stopping the browser page", then the
   * run aborts. A local driver has no idle timeout to keep alive.
   */
  setupHeartbeat() {}
}

/** @param {{ scheme?: 'light' | 'dark' }} [options] */
export function webkitLauncher({ scheme = 'light' } = {}) {
  return new WebKitLauncher(scheme);
}

/**
 * The test page of a browser launched in a fixed colour scheme: it tells the tests so
 * (`window.__FIXED_COLOR_SCHEME__`), and they test that scheme instead of emulating both.
 *
 * @param {'light' | 'dark'} scheme
 */
export function fixedSchemeTestRunnerHtml(scheme) {
  return (testFramework) => '<!DOCTYPE html><html><head>'
    + `<script>window.__FIXED_COLOR_SCHEME__ = ${JSON.stringify(scheme)};</script>`
    + `</head><body><script type="module" src="${testFramework}"></script></body></html>`;
}
