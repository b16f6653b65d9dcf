/**
 * (d) Many tabs: 1, 5 and 20 tabs of one browser signed in to one session whose access tokens
 * live 8 seconds, watched for a few rotations (renewals of the access token), for <pkce-login>
 * and for oidc-client-ts; and the CPU that signed-in tabs use while idle.
 *
 * A run: a new browser context (a new profile: nothing stored) with `n` tabs of the page, signed
 * out; the first tab logs in through the provider's login form; ours' other tabs sign in by
 * themselves (the element's BroadcastChannel message), oidc-client-ts's are reloaded and find its
 * user in localStorage (see apps/oidc-client-ts-tabs.js). The window starts at the first tab's
 * login (every refresh grant from then on counts; the tabs are all signed in well before the
 * first renewal, checked); it ends after the provider has seen `rotations` bursts of refresh
 * grants (a burst: refresh grants less than 2 s apart) and 1.5 s more, or when no tab has renewed
 * for a token's lifetime (a session that died), or after a time limit.
 *
 * Counted at the provider (servers.mjs logs every grant): the refresh grants of each burst,
 * succeeded and refused. Seen in the tabs: every `token` event (time, token), `logout` events,
 * oidc-client-ts's silent renew errors. Per rotation, the time from the burst's first successful
 * refresh grant (the provider's clock, the same machine's) to the moment the last tab had a token
 * newer than that grant (the tab's clock: performance.timeOrigin + performance.now()). At the
 * end, a tab is signed in when its latest token has not expired and (ours) its status is
 * `signed-in`.
 *
 * CPU: Chromium's own per-page counters (CDP Performance.getMetrics), as deltas over the window,
 * per tab and per minute: `ThreadTime`, the CPU time of the page's renderer main thread (the
 * thread's own clock: time spent waiting for a core is not in it); `TaskDuration`, the wall-clock
 * time of every task on that thread (script, style, layout, IPC: it grows when the tasks wait for
 * a core); `ScriptDuration`, the page's JavaScript (wall clock). Each tab has a renderer process
 * of its own here (checked); work done for the page in the browser process (IndexedDB, Web
 * Locks, BroadcastChannel routing) is not in them.
 *
 * Idle: `idleTabs()` signs in `n` tabs of ours, of oidc-client-ts (the same localStorage setup)
 * and of the IndexedDB floor (no timers at all: what a signed-in page costs with nothing to do),
 * with the main provider's hour-long access tokens (no renewal is due), and measures the same
 * counters until `stop()`: run around the many-tabs runs, so that the window is over a minute.
 */
import { signInAtProvider } from '../test/e2e/harness.mjs';
import { benchMessages, measureScript, pagePath, SHORT_TOKEN_TTL, TIMED_APPS, TIMEOUT, USER_NAME, withTimeout } from './timing.mjs';

/** Refresh grants less than this apart are one rotation. */
const BURST_GAP_MS = 2000;
/** After the last burst, how long the tabs have to take the new token before the window ends. */
const SETTLE_MS = 1500;
/** Tabs opened at once. */
const OPEN_AT_ONCE = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A browser context with the measuring script of timing.mjs. */
async function measuredContext(bench) {
  const context = await bench.browser.newContext();
  // The same init script as the timed runs (its `bench:` console messages and `__bench` record).
  await context.addInitScript(measureScript, USER_NAME);
  return context;
}

/**
 * `n` tabs of app `id` signed in to one session. The tabs are opened first, signed out; then the
 * first one logs in. Ours: the other tabs learn of the session from the element's BroadcastChannel
 * message and sign in by themselves. The others have no such message: their other tabs are
 * reloaded and find the session stored. Opening the tabs before the login keeps that work out of
 * the token's lifetime: the first rotation comes after every tab is signed in.
 *
 * @returns {Promise<{ pages: import('playwright-core').Page[], loginAt: number }>} `loginAt`: when
 *   the first tab had signed in (epoch ms)
 */
async function signedInTabs(bench, context, id, n) {
  const app = TIMED_APPS[id];
  const url = `${bench.origin}/${pagePath(id)}`;
  const tabs = [];
  const open = async () => {
    const page = await context.newPage();
    const messages = benchMessages(page);
    await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT });
    await page.waitForSelector(app.button, { timeout: TIMEOUT });
    return { page, messages };
  };
  while (tabs.length < n) {
    const batch = Math.min(OPEN_AT_ONCE, n - tabs.length);
    tabs.push(...(await Promise.all(Array.from({ length: batch }, open))));
  }
  const [first, ...others] = tabs;
  await first.page.click(app.button, { timeout: TIMEOUT });
  const signedIn = first.messages.next('bench:login');
  // The provider's login and consent pages, unless this profile has passed them already.
  const atProvider = first.page
    .waitForURL((at) => at.pathname.startsWith('/interaction/'), { timeout: TIMEOUT, waitUntil: 'commit' })
    .then(() => true, () => false);
  if (await Promise.race([signedIn.then(() => false), atProvider])) await signInAtProvider(first.page, USER_NAME, { timeout: TIMEOUT });
  await withTimeout(signedIn, TIMEOUT, () => `${id}: the first tab did not sign in`);
  const loginAt = Date.now();
  await Promise.all(others.map(async ({ page, messages }) => {
    // Ours: a login event since the tab opened (it may have come with the first tab's).
    const from = app.ours ? 0 : messages.count;
    if (!app.ours) await page.reload({ waitUntil: 'commit', timeout: TIMEOUT });
    await withTimeout(messages.next('bench:login', from), TIMEOUT, () => `${id}: a tab did not sign in with the first`);
  }));
  return { pages: tabs.map((tab) => tab.page), loginAt };
}

/** Starts Chromium's per-page counters; resolves to a function that reads their deltas (seconds). */
async function cpuCounters(context, pages) {
  const sessions = await Promise.all(pages.map(async (page) => {
    const session = await context.newCDPSession(page);
    await session.send('Performance.enable');
    return session;
  }));
  const read = () => Promise.all(sessions.map(async (session) => {
    const { metrics } = await session.send('Performance.getMetrics');
    const value = (name) => metrics.find((metric) => metric.name === name)?.value ?? NaN;
    return { cpu: value('ThreadTime'), task: value('TaskDuration'), script: value('ScriptDuration') };
  }));
  const before = await read();
  const started = Date.now();
  return async () => {
    const after = await read();
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(sessions.map((session) => session.detach().catch(() => undefined)));
    return {
      seconds,
      tabs: after.map((counters, i) => Object.fromEntries(Object.keys(counters).map((key) => [key, counters[key] - before[i][key]]))),
    };
  };
}

/**
 * Renderer processes against open tabs in the whole browser: `shared` when there are fewer
 * renderers than tabs (then some tabs' counters include another tab's tasks).
 */
async function sharedRenderers(bench) {
  try {
    const session = await bench.browser.newBrowserCDPSession();
    const { processInfo } = await session.send('SystemInfo.getProcessInfo');
    await session.detach().catch(() => undefined);
    const renderers = processInfo.filter((info) => info.type === 'renderer').length;
    const tabs = bench.browser.contexts().reduce((sum, context) => sum + context.pages().length, 0);
    return { renderers, tabs, shared: renderers < tabs };
  } catch {
    return undefined;
  }
}

/** Per tab and minute, in ms: mean and max of the tabs' deltas. */
function perTabPerMinute({ seconds, tabs }) {
  const scale = (value) => (value * 1000 * 60) / seconds;
  const of = (key) => tabs.map((tab) => scale(tab[key]));
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    seconds,
    cpu: mean(of('cpu')),
    cpuMax: Math.max(...of('cpu')),
    task: mean(of('task')),
    taskMax: Math.max(...of('task')),
    script: mean(of('script')),
    scriptMax: Math.max(...of('script')),
  };
}

/** Refresh grants grouped into rotations: bursts less than {@link BURST_GAP_MS} apart. */
function bursts(grants) {
  const groups = [];
  for (const grant of grants) {
    const last = groups.at(-1);
    if (last && grant.at - last.at(-1).at < BURST_GAP_MS) last.push(grant);
    else groups.push([grant]);
  }
  return groups;
}

/**
 * One many-tabs run: `n` tabs of app `id` (`pkce-login-tabs` or `oidc-client-ts-tabs`).
 *
 * @returns {Promise<object>} see the fields below
 */
export async function tabsRun(bench, id, n, { rotations = 3 } = {}) {
  const app = TIMED_APPS[id];
  const provider = app.provider;
  const context = await measuredContext(bench);
  try {
    const { pages, loginAt } = await signedInTabs(bench, context, id, n);
    const signedInAfter = Date.now() - loginAt;
    const renderers = await sharedRenderers(bench);
    const stop = await cpuCounters(context, pages);
    // Every refresh grant from the login on; the first rotation comes after every tab signed in.
    const start = loginAt;
    const ttl = SHORT_TOKEN_TTL * 1000;
    const limit = start + rotations * ttl + 2 * ttl;
    let refresh = [];
    for (;;) {
      await sleep(250);
      const now = Date.now();
      refresh = (await bench.grants())[provider].filter((grant) => grant.type === 'refresh_token' && grant.at >= start);
      const groups = bursts(refresh);
      const lastAt = refresh.at(-1)?.at ?? start;
      if (groups.length >= rotations && now - lastAt >= SETTLE_MS) break;
      // Nothing renews any more: the session died (every tab's token expires unrenewed).
      if (now - lastAt > ttl + BURST_GAP_MS) break;
      if (now > limit) break;
    }
    const cpu = perTabPerMinute(await stop());
    const end = Date.now();
    const tabs = await Promise.all(pages.map((page) => page.evaluate(() => ({
      tokens: window.__bench.tokens,
      logouts: window.__bench.logouts,
      renewErrors: window.__bench.renewErrors,
      status: document.querySelector('pkce-login')?.status,
      now: performance.timeOrigin + performance.now(),
    }))));
    const groups = bursts(refresh).slice(0, rotations);
    const perRotation = groups.map((group, k) => {
      const granted = group.find((grant) => grant.ok);
      const next = groups[k + 1]?.[0].at ?? Infinity;
      // When each tab had a token received after this rotation's first successful grant (and
      // before the next rotation's first grant); 5 ms for the two processes' clocks.
      const arrivals = tabs.map((tab) => tab.tokens.find(([at]) => granted && at >= granted.at - 5 && at < next)?.[0]);
      const missing = arrivals.filter((at) => at === undefined).length;
      return {
        grants: group.length,
        refused: group.filter((grant) => !grant.ok).length,
        lastTabAfter: granted && !missing ? Math.max(...arrivals) - granted.at : undefined,
        firstTabAfter: granted && arrivals.some((at) => at !== undefined)
          ? Math.min(...arrivals.filter((at) => at !== undefined)) - granted.at : undefined,
        missing,
      };
    });
    const signedOut = tabs.filter((tab) => {
      const latest = tab.tokens.at(-1);
      const expired = !latest || !(latest[2] > tab.now);
      return expired || tab.logouts > 0 || (app.ours && tab.status !== 'signed-in');
    }).length;
    return {
      app: id,
      tabs: n,
      seconds: (end - start) / 1000,
      rotations: perRotation,
      refreshGrants: refresh.length,
      refused: refresh.filter((grant) => !grant.ok).length,
      signedOut,
      renewErrors: tabs.reduce((sum, tab) => sum + tab.renewErrors.length, 0),
      cpu,
      renderers,
      signedInAfter,
      firstGrantAfter: refresh[0] ? refresh[0].at - loginAt : undefined,
    };
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** The apps of the idle measurement: ours, oidc-client-ts, and the IndexedDB floor. */
export const IDLE_APPS = ['pkce-login', 'oidc-client-ts-idle', 'floor-idb'];

/**
 * Signs in `n` tabs of each idle app (hour-long tokens) and starts their counters.
 *
 * @returns {Promise<{ stop(): Promise<Record<string, object>> }>}
 */
export async function idleTabs(bench, n) {
  const context = await measuredContext(bench);
  try {
    const groups = [];
    for (const id of IDLE_APPS) groups.push({ id, pages: (await signedInTabs(bench, context, id, n)).pages });
    for (const group of groups) group.stop = await cpuCounters(context, group.pages);
    return {
      /** When the last group's counters started. */
      startedAt: Date.now(),
      async stop() {
        const result = {};
        for (const group of groups) result[group.id] = perTabPerMinute(await group.stop());
        await context.close().catch(() => undefined);
        return result;
      },
    };
  } catch (error) {
    await context.close().catch(() => undefined);
    throw error;
  }
}
