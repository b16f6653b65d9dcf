// The test runner's launchers for the engines beside Chromium (scripts/wtr-engines.mjs).
//
// WebKitWebDriver 2.50 does not queue classic WebDriver commands: one that arrives during a
// navigation takes over the navigation's wait, which then never answers (WebKit bug 323447). The
// base webdriver launcher sends `getTitle` every 60 s whatever is in flight; with it, a WebKit
// run hung now and then on a navigation ("Timed out stopping the browser page") and aborted.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { webkitLauncher } from '../../scripts/wtr-engines.mjs';

test('the WebKit launcher sends no WebDriver command of its own (no heartbeat)', () => {
  mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  try {
    const launcher = webkitLauncher();
    const getTitle = mock.fn(async () => 'page');
    launcher.driver = { getTitle };
    launcher.setupHeartbeat();
    mock.timers.tick(10 * 60_000);
    assert.equal(getTitle.mock.callCount(), 0);
  } finally {
    mock.timers.reset();
  }
});
