/**
 * `npm run bench` (after `npm run build`): bytes, login, page-load and many-tabs times of
 * <pkce-login> against hand-written floors and the peers, measured side by side in one run;
 * prints the tables, checks the targets (issue 16) and writes the same to docs/benchmarks.md.
 *
 * Options (arguments or environment):
 *   --runs N         BENCH_RUNS         timed logins per app and cache (default 9); each is
 *                                      followed by --reloads reloads, the page-load samples
 *   --reloads N      BENCH_RELOADS      reloads of the signed-in page after each login (default 3)
 *   --trace-runs M   BENCH_TRACE_RUNS   traced logins (and reloads) of ours and the IndexedDB
 *                                      floor in the separate diagnostic pass (default 2; 0: none)
 *   --tabs LIST      BENCH_TABS         tab counts of the many-tabs runs (default 1,5,20; none: skip)
 *   --rotations N    BENCH_ROTATIONS    rotations watched per many-tabs run (default 3)
 *   --idle-tabs N    BENCH_IDLE_TABS    signed-in idle tabs per app for the idle CPU (default 5; 0: none)
 *   --cache WHICH    BENCH_CACHE        both (default), warm, or cold (also: none); see timing.mjs
 *   --serial         BENCH_SERIAL=1     many-tabs runs of ours and oidc-client-ts one after the
 *                                      other (default: side by side, to keep the bench short)
 *   --out FILE       BENCH_OUT          the Markdown report (default docs/benchmarks.md; "-": none)
 *   --strict         BENCH_STRICT=1     exit with 1 when a target is missed
 *   --ours FILE      BENCH_OURS         time this bundle as ours instead of dist/pkce-login.js (to
 *                                      try a change; the byte table still measures dist/)
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureBytes, packageVersion, root, ESBUILD_SETTINGS } from './bytes.mjs';
import { CACHES, CLICK, SHORT_TOKEN_TTL, TIMED_APPS, startBench, newContext, interleaved } from './timing.mjs';
import { IDLE_APPS, idleTabs, tabsRun } from './tabs.mjs';

const started = performance.now();
const startedAt = Date.now();

/**
 * When `npm run bench` started, build included: the start of the shell npm runs the script in
 * (`npm run build && node bench/run.mjs`), our parent (Linux /proc); else this process's start.
 */
async function benchStart() {
  try {
    const [stat, parentStat, procStat, cmdline] = await Promise.all([
      readFile('/proc/self/stat', 'utf8'),
      readFile(`/proc/${process.ppid}/stat`, 'utf8'),
      readFile('/proc/stat', 'utf8'),
      readFile(`/proc/${process.ppid}/cmdline`, 'utf8'),
    ]);
    if (!stat || !cmdline.includes('bench/run.mjs') || !cmdline.includes('build')) return undefined;
    const bootTime = Number(/^btime (\d+)$/m.exec(procStat)[1]);
    // Fields after the command's closing parenthesis; starttime is field 22 (clock ticks of 1/100 s).
    const fields = parentStat.slice(parentStat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[22 - 3]);
    const at = (bootTime + startTicks / 100) * 1000;
    return Number.isFinite(at) && at <= startedAt ? at : undefined;
  } catch {
    return undefined;
  }
}
const npmStartedAt = await benchStart();

/**
 * Cores kept busy by other work, sampled over one second while the bench itself is idle (Linux:
 * /proc/stat); `undefined` elsewhere. A test suite or a build running beside the bench shows in
 * every timing.
 */
async function otherWork() {
  const read = async () => {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = line[3] + (line[4] ?? 0);
    return { total: line.reduce((a, b) => a + b, 0), idle };
  };
  try {
    const before = await read();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await read();
    const total = after.total - before.total;
    return total > 0 ? ((total - (after.idle - before.idle)) / total) * os.cpus().length : undefined;
  } catch {
    return undefined;
  }
}
const busyAtStart = await otherWork();
const source = sourceState();
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', short: 'n' },
    reloads: { type: 'string' },
    'trace-runs': { type: 'string' },
    tabs: { type: 'string' },
    rotations: { type: 'string' },
    'idle-tabs': { type: 'string' },
    cache: { type: 'string' },
    serial: { type: 'boolean' },
    out: { type: 'string' },
    strict: { type: 'boolean' },
    ours: { type: 'string' },
  },
});
const RUNS = positiveInt(args.runs ?? process.env.BENCH_RUNS ?? '9', 'runs', 1);
const RELOADS = positiveInt(args.reloads ?? process.env.BENCH_RELOADS ?? '3', 'reloads', 1);
const TRACE_RUNS = positiveInt(args['trace-runs'] ?? process.env.BENCH_TRACE_RUNS ?? '2', 'trace-runs', 0);
const TAB_COUNTS = (args.tabs ?? process.env.BENCH_TABS ?? '1,5,20') === 'none'
  ? []
  : (args.tabs ?? process.env.BENCH_TABS ?? '1,5,20').split(',').map((n) => positiveInt(n.trim(), 'tabs', 1));
const ROTATIONS = positiveInt(args.rotations ?? process.env.BENCH_ROTATIONS ?? '3', 'rotations', 1);
const IDLE_TABS = positiveInt(args['idle-tabs'] ?? process.env.BENCH_IDLE_TABS ?? '5', 'idle-tabs', 0);
const CACHE_CHOICE = (args.cache ?? process.env.BENCH_CACHE ?? 'both').replace(/^none$/, 'cold');
if (!['both', ...CACHES].includes(CACHE_CHOICE)) throw new Error(`--cache must be both, warm or cold, got ${CACHE_CHOICE}`);
const RUN_CACHES = CACHE_CHOICE === 'both' ? CACHES : [CACHE_CHOICE];
const SERIAL = args.serial || process.env.BENCH_SERIAL === '1';
const OUT = args.out ?? process.env.BENCH_OUT ?? 'docs/benchmarks.md';
const STRICT = args.strict || process.env.BENCH_STRICT === '1';
const OURS = args.ours ?? process.env.BENCH_OURS;

/** The timed apps, ours first; ratios are to the IndexedDB floor. The targets are checked on the first two. */
const TIMED = ['pkce-login', 'pkce-login-no-dpop', 'floor', 'floor-idb', 'oidc-client-ts', 'oidc-client-ts-lit'];
/** Reloads after each traced login: page-load timelines are cheap. */
const TRACE_RELOADS = 4;
/** Traced in the diagnostic pass: ours with and without DPoP and the IndexedDB floor, warm; ours and the floor cold. */
const TRACED = [
  { id: 'pkce-login', cache: 'warm' },
  { id: 'pkce-login-no-dpop', cache: 'warm' },
  { id: 'floor-idb', cache: 'warm' },
  { id: 'pkce-login', cache: 'cold' },
  { id: 'floor-idb', cache: 'cold' },
];
/**
 * Cold rows: the apps the targets compare (ours with and without DPoP, the IndexedDB floor,
 * oidc-client-ts); the sessionStorage floor and oidc-client-ts + lit are timed warm only.
 */
const TIMED_COLD = ['pkce-login', 'pkce-login-no-dpop', 'floor-idb', 'oidc-client-ts'];
/** The many-tabs apps: ours, and oidc-client-ts. */
const TABS_APPS = ['pkce-login-tabs', 'oidc-client-ts-tabs'];

/** Issue 16's targets. */
const TARGET_CALLBACK_RATIO_NO_DPOP = 1.0;
const TARGET_CALLBACK_RATIO_DPOP = 1.15;
const TARGET_CLICK_MS = 5;
const TARGET_RESTORE_RATIO = 1.1;
const TARGET_TOTAL_S = 6 * 60;
/** The size target: dist/pkce-login.js below what a developer would build instead on the same foundation. */
const TARGET_GZIP_PEER = 'oidc-client-ts-lit';

function positiveInt(text, name, min) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${text}`);
  return value;
}

const log = (...parts) => console.error(...parts);

// ---------------------------------------------------------------------------------------------
// statistics and formatting

function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
const min = (values) => Math.min(...values.filter(Number.isFinite));
const max = (values) => Math.max(...values.filter(Number.isFinite));
const ms = (value) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const spread = (values) => (values.some(Number.isFinite) ? `${ms(median(values))} (${ms(min(values))}–${ms(max(values))})` : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
const signed = (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${ms(value)}` : '–');
const bytes = (n) => n.toLocaleString('en-US');

function table(header, rows, align) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

function escapeCell(text) {
  return text.replace(/</g, '&lt;').replace(/\|/g, '\\|');
}
const appName = (id) => (TIMED_APPS[id].ours ? `**${escapeCell(TIMED_APPS[id].name)}**` : escapeCell(TIMED_APPS[id].name));

// ---------------------------------------------------------------------------------------------
// 1. bytes

log('bench: bundling the apps …');
const byteRows = await measureBytes();
const bytesOf = (id) => byteRows.find((row) => row.id === id);
const floorBytes = bytesOf('floor');
const bytesTable = table(
  ['app', 'raw (B)', 'gzip -9 (B)', 'brotli (B)', 'gzip vs floor'],
  byteRows.map((row) => [
    row.ours ? `**${escapeCell(row.name)}**` : escapeCell(row.name),
    bytes(row.raw),
    bytes(row.gzip),
    bytes(row.brotli),
    row.id === 'floor' ? '—' : `+${bytes(row.gzip - floorBytes.gzip)}`,
  ]),
  ['l', 'r', 'r', 'r', 'r'],
);
/** The project's own gzip budget (scripts/size.mjs, `npm run size`): reported, not a target here. */
const gzipBudget = Number(/GZIP_BUDGET = ([\d_]+)/.exec(await readFile(path.join(root, 'scripts/size.mjs'), 'utf8'))?.[1].replace(/_/g, ''));

// ---------------------------------------------------------------------------------------------
// 2. time: logins (a, b) and reloads (c); many tabs (d); idle CPU

// A cold-only run (--cache cold) times every app cold.
const timedIds = (cache) => (cache === 'cold' && RUN_CACHES.includes('warm') ? TIMED_COLD : TIMED);
const timedPages = RUN_CACHES.flatMap((cache) => timedIds(cache).map((id) => ({ id, cache })));
const allPages = [
  ...CACHES.flatMap((cache) => TIMED.map((id) => ({ id, cache }))),
  ...[...TABS_APPS, 'oidc-client-ts-idle'].map((id) => ({ id, cache: 'warm' })),
];
log(`bench: ${RUNS} logins per app and cache (${RUN_CACHES.map((cache) => `${cache}: ${timedIds(cache).join(', ')}`).join('; ')}), ${RELOADS} reload(s) after each, interleaved …`);
if (OURS) log(`bench: timing ${OURS} as <pkce-login>`);
const bench = await startBench(allPages, { oursBundle: OURS && path.resolve(OURS) });
let samples;
let traceSamples = [];
const tabRuns = [];
let idle;
let timedSeconds;
let tabsSeconds;
try {
  const timed = await newContext(bench, timedPages, { reloads: RELOADS });
  samples = await interleaved(timed.login, timedPages, RUNS, (sample, round) => {
    const restores = (sample.restores ?? []).map((r) => `${ms(r.loadToLogin)}/${ms(r.loadToFrame)}`).join(' ');
    log(`  round ${round + 1}/${RUNS} ${sample.app.padEnd(18)} ${sample.cache} click→nav ${ms(sample.clickToNavigation).padStart(6)} ms`
      + `  callback→token ${ms(sample.callbackToToken).padStart(6)} ms  load→login/frame ${restores || '–'} ms`
      + `${sample.valid ? '' : `  (invalid: ${sample.note})`}`);
  });
  await timed.context.close();
  if (TRACE_RUNS > 0) {
    const tracedPages = TRACED.filter(({ cache }) => RUN_CACHES.includes(cache));
    log(`bench: diagnostic pass, ${TRACE_RUNS} traced logins and reloads of ${tracedPages.map(({ id, cache }) => `${id} ${cache}`).join(', ')} (not in the timed figures) …`);
    const traced = await newContext(bench, tracedPages, { trace: true, reloads: TRACE_RELOADS });
    traceSamples = await interleaved(traced.login, tracedPages, TRACE_RUNS);
    await traced.context.close();
  }
  timedSeconds = (performance.now() - started) / 1000;

  const tabsStarted = performance.now();
  if (IDLE_TABS > 0) {
    log(`bench: idle CPU: ${IDLE_TABS} signed-in tabs each of ${IDLE_APPS.join(', ')}, watched while the many-tabs runs go on …`);
    idle = await idleTabs(bench, IDLE_TABS);
  }
  for (const n of TAB_COUNTS) {
    log(`bench: many tabs: ${n} tab(s), ${SHORT_TOKEN_TTL}-second access tokens, ${ROTATIONS} rotations, ${TABS_APPS.join(' and ')}${SERIAL ? ' one after the other' : ' side by side'} …`);
    const run = (id) => tabsRun(bench, id, n, { rotations: ROTATIONS }).catch((error) => ({ app: id, tabs: n, error: error.message.split('\n')[0] }));
    const results = SERIAL ? [await run(TABS_APPS[0]), await run(TABS_APPS[1])] : await Promise.all(TABS_APPS.map(run));
    for (const result of results) {
      log(`  ${result.app} ${n} tab(s): ${result.error ?? `refresh grants per rotation ${result.rotations.map((r) => r.grants).join(', ')}; signed out ${result.signedOut}`}`);
      if (result.renderers?.shared) log(`  warning: ${result.renderers.renderers} renderer processes for ${result.renderers.tabs} tabs: some tabs' CPU counters include another tab's tasks`);
    }
    tabRuns.push(...results);
  }
  if (idle) {
    // At least an idle minute, whatever the many-tabs runs took.
    const minimum = 60_000 - (Date.now() - idle.startedAt);
    if (minimum > 0) await new Promise((resolve) => setTimeout(resolve, minimum));
    idle = await idle.stop();
  }
  tabsSeconds = (performance.now() - tabsStarted) / 1000;
} finally {
  await bench.close();
}

// A login that failed twice (a timeout on a busy machine …) is left out of the figures, and said.
const invalid = samples.filter((sample) => !sample.valid);
samples = samples.filter((sample) => sample.valid);
const invalidNote = invalid.length
  ? `\n- **${invalid.length} timed logins failed twice and are left out**: ${invalid.map((s) => `${s.app} ${s.cache}: ${escapeCell(s.note ?? '')}`).join('; ')}`
  : '';
if (invalid.length) log(`bench: warning: ${invalid.length} timed logins failed twice and are left out`);
traceSamples = traceSamples.filter((sample) => sample.valid);

const of = (id, cache, key, list = samples) => list.filter((s) => s.app === id && s.cache === cache).map((s) => s[key]);
const restoresOf = (id, cache, key) => samples.filter((s) => s.app === id && s.cache === cache).flatMap((s) => s.restores.map((r) => r[key]));
const med = (id, cache, key) => median(key.startsWith('load') ? restoresOf(id, cache, key) : of(id, cache, key));

// (a): warm pages only (the click does not depend on how the page's script came).
const clickCache = RUN_CACHES.includes('warm') ? 'warm' : RUN_CACHES[0];
const floorA = med('floor', clickCache, 'clickToNavigation');
const clickTable = table(
  ['app', '(a) click → navigation, ms', '− sessionStorage floor, ms', '(a′) click → request sent, ms'],
  timedIds(clickCache).map((id) => [
    appName(id),
    spread(of(id, clickCache, 'clickToNavigation')),
    id === 'floor' ? '—' : signed(med(id, clickCache, 'clickToNavigation') - floorA),
    spread(of(id, clickCache, 'clickToRequest')),
  ]),
  ['l', 'r', 'r', 'r'],
);

const callbackTable = table(
  ['app', 'scripts', '(b) callback → tokens, ms', '÷ IndexedDB floor', '÷ sessionStorage floor'],
  RUN_CACHES.flatMap((cache) => timedIds(cache).map((id) => {
    const b = med(id, cache, 'callbackToToken');
    return [
      appName(id),
      cache,
      spread(of(id, cache, 'callbackToToken')),
      id === 'floor-idb' ? '1.00×' : ratio(b, med('floor-idb', cache, 'callbackToToken')),
      id === 'floor' ? '1.00×' : ratio(b, med('floor', cache, 'callbackToToken')),
    ];
  })),
  ['l', 'l', 'r', 'r', 'r'],
);

const restoreTable = table(
  ['app', 'scripts', 'session in', '(c) load → `login` event, ms', '÷ IndexedDB floor', '(c) load → first frame with the name, ms', '÷ IndexedDB floor'],
  RUN_CACHES.flatMap((cache) => timedIds(cache).map((id) => [
    appName(id),
    cache,
    ['floor', 'oidc-client-ts', 'oidc-client-ts-lit'].includes(id) ? 'sessionStorage' : 'IndexedDB',
    spread(restoresOf(id, cache, 'loadToLogin')),
    id === 'floor-idb' ? '1.00×' : ratio(med(id, cache, 'loadToLogin'), med('floor-idb', cache, 'loadToLogin')),
    spread(restoresOf(id, cache, 'loadToFrame')),
    id === 'floor-idb' ? '1.00×' : ratio(med(id, cache, 'loadToFrame'), med('floor-idb', cache, 'loadToFrame')),
  ])),
  ['l', 'l', 'l', 'r', 'r', 'r', 'r'],
);

const tabName = (id) => (id === 'pkce-login-tabs' ? '**&lt;pkce-login>**' : escapeCell(TIMED_APPS[id].name));
const tabsTable = table(
  ['app', 'tabs', 'all tabs signed in / first refresh, s after the login', 'refresh grants per rotation (refused)', 'last tab has the new token, ms after the grant', 'tabs signed out at the end', 'per tab per minute: main-thread CPU / tasks / script, ms'],
  tabRuns.map((run) => (run.error
    ? [tabName(run.app), String(run.tabs), '', `failed: ${escapeCell(run.error)}`, '', '', '']
    : [
      tabName(run.app),
      String(run.tabs),
      `${(run.signedInAfter / 1000).toFixed(1)} / ${run.firstGrantAfter === undefined ? '–' : (run.firstGrantAfter / 1000).toFixed(1)}`,
      run.rotations.map((r) => `${r.grants}${r.refused ? ` (${r.refused})` : ''}`).join(', ') + (run.rotations.length < ROTATIONS ? ` (${run.rotations.length} of ${ROTATIONS} rotations)` : ''),
      run.rotations.map((r) => (r.lastTabAfter === undefined ? `– (${r.missing} tab${r.missing === 1 ? '' : 's'} without)` : ms(r.lastTabAfter))).join(', '),
      `${run.signedOut} of ${run.tabs}`,
      `${ms(run.cpu.cpu)} / ${ms(run.cpu.task)} / ${ms(run.cpu.script)}`,
    ])),
  ['l', 'r', 'r', 'l', 'l', 'r', 'r'],
);
/** What the renderer-process check of the largest many-tabs run found. */
function rendererNote() {
  const checked = tabRuns.filter((run) => run.renderers).sort((x, y) => y.renderers.tabs - x.renderers.tabs)[0]?.renderers;
  if (!checked) return '';
  return `\nRenderer processes at the busiest moment: ${checked.renderers} for ${checked.tabs} open tabs (every profile of the browser)${checked.shared
    ? ': **some tabs shared a renderer, so their CPU counters include another tab\'s tasks**'
    : ': one per tab, so each tab\'s counters are its own'}.\n`;
}
const idleName = (id) => (id === 'pkce-login' ? '**&lt;pkce-login>**' : escapeCell(TIMED_APPS[id].name));
const idleTable = idle ? table(
  ['app', 'tabs', 'window, s', 'main-thread CPU, ms per tab per minute (max)', 'tasks, ms per tab per minute (max)', 'script, ms per tab per minute (max)'],
  IDLE_APPS.map((id) => [
    idleName(id),
    String(IDLE_TABS),
    idle[id].seconds.toFixed(0),
    `${ms(idle[id].cpu)} (${ms(idle[id].cpuMax)})`,
    `${ms(idle[id].task)} (${ms(idle[id].taskMax)})`,
    `${ms(idle[id].script)} (${ms(idle[id].scriptMax)})`,
  ]),
  ['l', 'r', 'r', 'r', 'r', 'r'],
) : '';

// ---------------------------------------------------------------------------------------------
// diagnostics: where the time goes (the traced pass)

/**
 * The median timeline of one app's traced runs: every mark's time after `zero` (the callback or
 * reloaded document's responseStart, or the click), sorted, with the step from the previous mark.
 *
 * @param {'callback' | 'click' | 'reload'} side
 */
function timeline({ id, cache }, side) {
  const runs = traceSamples.filter((sample) => sample.app === id && sample.cache === cache);
  const views = side === 'reload' ? runs.flatMap((sample) => sample.restores) : runs;
  const byLabel = new Map();
  for (const view of views) {
    const marks = side === 'click' ? view.leaveTrace ?? [] : documentMarks(view, side);
    const zero = side === 'click' ? marks.find(([name]) => name === 'click')?.[1] : view.responseStart;
    if (zero === undefined) continue;
    for (const [label, at] of marks) {
      if (!byLabel.has(label)) byLabel.set(label, []);
      byLabel.get(label).push(at - zero);
    }
  }
  const rows = [...byLabel].map(([label, values]) => ({ label, at: median(values), count: values.length }))
    .sort((x, y) => x.at - y.at);
  return table(
    ['step', side === 'click' ? 'ms after the click (median)' : 'ms after the document arrived (median)', 'Δ from the step above'],
    rows.map((row, i) => [
      escapeCell(row.label) + (row.count < views.length ? ` (${row.count} of ${views.length})` : ''),
      ms(row.at),
      i === 0 ? '' : `+${ms(row.at - rows[i - 1].at)}`,
    ]),
    ['l', 'r', 'r'],
  );
}

/** The IndexedDB database that holds each traced app's session. */
const SESSION_DB = { 'pkce-login': 'pkce-login', 'pkce-login-no-dpop': 'pkce-login', 'floor-idb': 'floor-idb' };

/**
 * Where a page load's time goes, phase by phase: each phase's duration in every traced reload,
 * then the median (so the phases need not add up to the total's median).
 */
function restorePhases(page) {
  const views = traceSamples.filter((sample) => sample.app === page.id && sample.cache === page.cache).flatMap((sample) => sample.restores);
  const db = SESSION_DB[page.id];
  const phases = views.map((view) => {
    const at = (name) => view.trace?.find(([label]) => label === name)?.[1];
    const opens = (view.trace ?? []).filter(([label]) => /^IndexedDB open .*: start$/.test(label));
    const script = (view.resources ?? []).find((entry) => entry.initiatorType === 'script');
    const login = at('login event');
    const frame = view.loadToFrame + view.responseStart;
    return {
      'document → script available (network or cache)': script?.responseEnd - view.responseStart,
      'script available → its first IndexedDB call (rest of the document parsed, module compiled and evaluated)': opens[0]?.[1] - script?.responseEnd,
      'first IndexedDB call → the session database asked for': at(`IndexedDB open ${db}: start`) - opens[0]?.[1],
      'session database: open requested → open': at(`IndexedDB open ${db}: open`) - at(`IndexedDB open ${db}: start`),
      'session database open → `login` event (record read, checked, events)': login - at(`IndexedDB open ${db}: open`),
      '`login` event → the name in the DOM (render)': view.nameInDom - login,
      'the name in the DOM → first frame': frame - view.nameInDom,
      'total: document → first frame with the name': frame - view.responseStart,
      'IndexedDB databases opened before the `login` event': opens.filter(([, time]) => time < login).length,
    };
  });
  return { count: views.length, median: (key) => median(phases.map((phase) => phase[key])), keys: Object.keys(phases[0] ?? {}) };
}

function phasesTable(pages) {
  const all = pages.map(restorePhases);
  const keys = all.find((phases) => phases.keys.length)?.keys ?? [];
  return table(
    ['phase (median of the traced reloads)', ...pages.map((page, i) => `${escapeCell(TIMED_APPS[page.id].name)}, ${page.cache} (${all[i].count}), ms`)],
    keys.map((key) => [key, ...all.map((phases) => (key.startsWith('IndexedDB databases') ? String(phases.median(key)) : ms(phases.median(key))))]),
    ['l', ...pages.map(() => 'r')],
  );
}

/** The marks of a callback or reloaded page, with its script and fetch resource timings added. */
function documentMarks(view, side) {
  const marks = [...(view.trace ?? [])].filter(([name]) => !['click', 'beforeunload', 'token event'].includes(name));
  marks.push(['document received (responseStart)', view.responseStart]);
  const seen = new Map();
  for (const entry of view.resources ?? []) {
    const url = new URL(entry.name);
    const what = entry.initiatorType === 'script' ? `script ${url.pathname.split('/').pop()}` : `${entry.initiatorType} ${url.pathname}`;
    const n = (seen.get(what) ?? 0) + 1;
    seen.set(what, n);
    marks.push([`${what}${n > 1 ? ` #${n}` : ''}: requested (resource timing)`, entry.startTime]);
    marks.push([`${what}${n > 1 ? ` #${n}` : ''}: body received (resource timing)`, entry.responseEnd]);
  }
  if (side === 'callback') marks.push(['tokens available (token event)', view.callbackToToken + view.responseStart]);
  if (side === 'reload') {
    marks.push(['the name in the DOM (MutationObserver)', view.nameInDom]);
    marks.push(['first frame with the name (requestAnimationFrame)', view.loadToFrame + view.responseStart]);
  }
  return marks.filter(([, at]) => Number.isFinite(at));
}

// ---------------------------------------------------------------------------------------------
// 3. targets and report

const cdn = bytesOf('pkce-login-cdn');
const esb = bytesOf('pkce-login-esbuild');
const targets = [];
for (const cache of RUN_CACHES) {
  const floorIdbB = med('floor-idb', cache, 'callbackToToken');
  const peerB = med('oidc-client-ts', cache, 'callbackToToken');
  for (const [id, limit, what] of [
    ['pkce-login-no-dpop', TARGET_CALLBACK_RATIO_NO_DPOP, 'without DPoP'],
    ['pkce-login', TARGET_CALLBACK_RATIO_DPOP, 'with DPoP'],
  ]) {
    const b = med(id, cache, 'callbackToToken');
    targets.push({
      what: `(b) callback → tokens ${what}, ${cache} cache: ≤ ${limit.toFixed(2)}× the IndexedDB floor`,
      measured: `${ms(b)} ms vs ${ms(floorIdbB)} ms: ${ratio(b, floorIdbB)}`,
      pass: b <= limit * floorIdbB,
    });
    targets.push({
      what: `(b) callback → tokens ${what}, ${cache} cache: below oidc-client-ts`,
      measured: `${ms(b)} ms vs ${ms(peerB)} ms`,
      pass: b < peerB,
    });
  }
}
for (const id of ['pkce-login', 'pkce-login-no-dpop']) {
  const a = med(id, clickCache, 'clickToNavigation');
  targets.push({
    what: `(a) click → navigation${id === 'pkce-login' ? '' : ' (provider without DPoP)'}: within ${TARGET_CLICK_MS} ms of the sessionStorage floor`,
    measured: `${ms(a)} ms vs ${ms(floorA)} ms: ${signed(a - floorA)} ms`,
    pass: a - floorA <= TARGET_CLICK_MS,
  });
}
for (const cache of RUN_CACHES) {
  for (const [key, what] of [['loadToLogin', '`login` event'], ['loadToFrame', 'first frame with the name']]) {
    const c = med('pkce-login', cache, key);
    const floorC = med('floor-idb', cache, key);
    const peerC = med('oidc-client-ts', cache, key);
    targets.push({
      what: `(c) page load → ${what}, ${cache} cache: ≤ ${TARGET_RESTORE_RATIO.toFixed(2)}× the IndexedDB floor`,
      measured: `${ms(c)} ms vs ${ms(floorC)} ms: ${ratio(c, floorC)}`,
      pass: c <= TARGET_RESTORE_RATIO * floorC,
    });
    targets.push({
      what: `(c) page load → ${what}, ${cache} cache: below oidc-client-ts (session in sessionStorage)`,
      measured: `${ms(c)} ms vs ${ms(peerC)} ms`,
      pass: c < peerC,
    });
  }
}
for (const run of tabRuns.filter((r) => r.app === 'pkce-login-tabs')) {
  const counts = run.error ? [] : run.rotations.map((r) => r.grants);
  targets.push({
    what: `(d) ${run.tabs} tab(s): exactly 1 refresh grant in each of ${ROTATIONS} rotations, no tab signed out`,
    measured: run.error
      ? `failed: ${run.error}`
      : `grants per rotation ${counts.join(', ') || 'none'}${run.refused ? ` (${run.refused} refused)` : ''}; ${run.signedOut} of ${run.tabs} signed out`,
    pass: !run.error && counts.length === ROTATIONS && counts.every((count) => count === 1) && run.refused === 0 && run.signedOut === 0,
  });
}
if (TAB_COUNTS.length) {
  const measured = tabRuns.filter((r) => r.app === 'pkce-login-tabs' && !r.error);
  targets.push({
    what: '(d) idle CPU of the element reported, per tab per minute',
    measured: [
      ...(idle ? [`idle (hour-long tokens, ${IDLE_TABS} tabs): main-thread CPU ${ms(idle['pkce-login'].cpu)} ms (the IndexedDB floor ${ms(idle['floor-idb'].cpu)} ms), script ${ms(idle['pkce-login'].script)} ms`] : []),
      ...measured.map((r) => `${r.tabs} tab(s), ${SHORT_TOKEN_TTL} s tokens: CPU ${ms(r.cpu.cpu)} ms, script ${ms(r.cpu.script)} ms`),
    ].join('; ') || 'not measured',
    pass: idle !== undefined && measured.length === TAB_COUNTS.length,
  });
}
targets.push({
  what: `size: gzip of dist/pkce-login.js (lit and UI included) below ${bytesOf(TARGET_GZIP_PEER).name}'s`,
  measured: `${bytes(cdn.gzip)} B vs ${bytes(bytesOf(TARGET_GZIP_PEER).gzip)} B: ${signed(cdn.gzip - bytesOf(TARGET_GZIP_PEER).gzip).replace('.0', '')} B`,
  pass: cdn.gzip < bytesOf(TARGET_GZIP_PEER).gzip,
});

const cpus = os.cpus();
const versions = {
  node: process.version,
  chromium: bench.version,
  'playwright-core': await packageVersion('playwright-core'),
  esbuild: await packageVersion('esbuild'),
  'oidc-provider': await packageVersion('oidc-provider'),
  'pkce-login': JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).version,
  oauth4webapi: await packageVersion('oauth4webapi'),
  'idb-keyval': await packageVersion('idb-keyval'),
  lit: await packageVersion('lit'),
  'oidc-client-ts': await packageVersion('oidc-client-ts'),
  '@auth0/auth0-spa-js': await packageVersion('@auth0/auth0-spa-js'),
  'keycloak-js': await packageVersion('keycloak-js'),
};
/** The commit measured, and whether src/ had changes not committed (they are in the bundle). */
function sourceState() {
  try {
    const git = (...args) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'rollup.config.mjs') !== '';
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' **with changes to src/ not committed** (in the bundle measured)' : ''}`;
  } catch {
    return 'not a git checkout';
  }
}
const machine = `${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} cores, `
  + `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB memory, ${os.type()} ${os.release()}`;
const busyAtEnd = await otherWork();
const cores = (value) => (value === undefined ? 'unknown' : `${value.toFixed(2)} cores`);
const busy = Math.max(busyAtStart ?? 0, busyAtEnd ?? 0) > 0.25;
const load = `other work on the machine (one second, bench idle): ${cores(busyAtStart)} busy before, ${cores(busyAtEnd)} after`
  + (busy ? ' — **the machine was not idle: the times are noisier and slower than on an idle machine**' : '');
if (busy) log(`bench: warning: the machine was not idle (${load.split(' — ')[0]}); the times are less reliable`);

const benchSeconds = (performance.now() - started) / 1000;
const buildSeconds = npmStartedAt === undefined ? undefined : (startedAt - npmStartedAt) / 1000;
const totalSeconds = buildSeconds === undefined ? undefined : buildSeconds + benchSeconds;
const timeLine = totalSeconds === undefined
  ? `bench ${benchSeconds.toFixed(0)} s (the build not included: run as \`npm run bench\` to time both)`
  : `total ${totalSeconds.toFixed(0)} s: build ${buildSeconds.toFixed(0)} s, bench ${benchSeconds.toFixed(0)} s (bytes and logins ${timedSeconds.toFixed(0)} s, tabs ${tabsSeconds.toFixed(0)} s)`;
targets.push({
  what: `\`npm run bench\`, build included, in under ${TARGET_TOTAL_S / 60} minutes`,
  measured: totalSeconds === undefined ? `${benchSeconds.toFixed(0)} s without the build` : `${totalSeconds.toFixed(0)} s`,
  pass: (totalSeconds ?? benchSeconds) < TARGET_TOTAL_S,
});

const targetsTable = table(
  ['target', 'measured', ''],
  targets.map((t) => [escapeCell(t.what), escapeCell(t.measured), t.pass ? 'PASS' : '**FAIL**']),
);

const summary = `## Run

- date: ${new Date().toISOString()}
- machine: ${machine}; ${load}
- source: ${source}
- versions: ${Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(', ')}
- ${OURS ? `timed as <pkce-login>: \`${OURS}\` (not dist/pkce-login.js)\n- ` : ''}${RUNS} timed logins per app and cache (${RUN_CACHES.join(', ')}${RUN_CACHES.length > 1 ? `; cold: ${TIMED_COLD.join(', ')}` : ''}), each followed by ${RELOADS} reload${RELOADS === 1 ? '' : 's'}, interleaved; the Log in button pressed by ${CLICK === 'self' ? 'the page (`button.click()` from a timer)' : "Playwright's `page.click()`"}; ${TRACE_RUNS} traced logins, each followed by ${TRACE_RELOADS} traced reloads, per traced page in the diagnostic pass; many tabs: ${TAB_COUNTS.length ? `${TAB_COUNTS.join(', ')} tabs, ${ROTATIONS} rotations, ${SHORT_TOKEN_TTL}-second access tokens, ours and oidc-client-ts ${SERIAL ? 'one after the other' : 'side by side'}` : 'not run'}; idle: ${IDLE_TABS ? `${IDLE_TABS} tabs per app` : 'not measured'}
- time: ${timeLine}${invalidNote}

## Bytes

Each app bundled by esbuild with the same settings (\`${JSON.stringify(ESBUILD_SETTINGS)}\`), plus
\`dist/pkce-login.js\` as our rollup config builds it. gzip level 9, brotli quality 11. The
project's own gzip budget for \`dist/pkce-login.js\` (\`npm run size\`) is ${bytes(gzipBudget)} B: ${cdn.gzip <= gzipBudget ? `${bytes(gzipBudget - cdn.gzip)} B to spare` : `**${bytes(cdn.gzip - gzipBudget)} B over**`}.

${bytesTable}

## (a) Click → navigation

Median (min–max) of ${RUNS} logins per app, pages with a ${clickCache} cache.

${clickTable}

## (b) Callback → tokens

Median (min–max) of ${RUNS} logins per app and cache. The targets compare with the floor that
keeps its transaction in IndexedDB, as ours does; the sessionStorage floor is for information.

${callbackTable}

## (c) Page load → signed in

Median (min–max) of ${RUNS * RELOADS} reloads of a signed-in page per app and cache.

${restoreTable}

## (d) Many tabs

${SHORT_TOKEN_TTL}-second access tokens; ${ROTATIONS} rotations watched per run. Grants counted at the provider.

${tabsTable}
${rendererNote()}
${idle ? `Idle: signed-in tabs with the main provider's hour-long access tokens (no renewal due),
watched for ${idle['pkce-login'].seconds.toFixed(0)} s while the many-tabs runs went on.

${idleTable}` : 'Idle: not measured (`--idle-tabs 0`).'}

## Targets

${targetsTable}
`;

const tracedName = ({ id, cache }) => `${escapeCell(TIMED_APPS[id].name)}, ${cache} cache`;
const tracedPages = TRACED.filter(({ cache }) => RUN_CACHES.includes(cache));
const diagnostics = TRACE_RUNS > 0 ? `## Where the time goes (diagnostic pass)

${TRACE_RUNS} more logins per traced app and cache, each followed by ${TRACE_RELOADS} reloads, with every fetch,
IndexedDB open and transaction, Web Lock, BroadcastChannel message, \`history.replaceState\`,
\`customElements.define\` and shadow-root render wrapped with marks (these wrappers cost a little,
so these runs are not in the tables above). Medians per step; a step missing from some runs says
in how many it happened.

${tracedPages.filter((page) => page.cache === 'warm').map((page) => `### ${tracedName(page)}: callback document → tokens

${timeline(page, 'callback')}
`).join('\n')}
### Page load → first frame with the name, phase by phase

${phasesTable(tracedPages.filter((page) => page.id !== 'pkce-login-no-dpop'))}

${tracedPages.filter((page) => page.id !== 'pkce-login-no-dpop').map((page) => `### ${tracedName(page)}: page load → first frame with the name

${timeline(page, 'reload')}
`).join('\n')}
${tracedPages.filter((page) => page.cache === 'warm').map((page) => `### ${tracedName(page)}: click → navigation

${timeline(page, 'click')}
`).join('\n')}` : '';

console.log(`\n${summary}\n${diagnostics}`);
for (const t of targets) console.log(`${t.pass ? 'PASS' : 'FAIL'}  ${t.what}: ${t.measured}`);
console.log(`bench: ${timeLine}`);

if (OUT !== '-') {
  const file = path.resolve(root, OUT);
  await mkdir(path.dirname(file), { recursive: true });
  const template = await readFile(path.join(path.dirname(new URL(import.meta.url).pathname), 'report.md'), 'utf8');
  await writeFile(file, template
    .replace('{{RESULTS}}', `${summary}\n${diagnostics}`.trimEnd())
    .replace('{{MEANING}}', meaning()));
  log(`bench: wrote ${path.relative(process.cwd(), file)}`);
}
if (STRICT && targets.some((t) => !t.pass)) process.exitCode = 1;

/** The closing paragraph, "what this means for your page", from this run's figures. */
function meaning() {
  const cache = RUN_CACHES.includes('warm') ? 'warm' : RUN_CACHES[0];
  const frame = (id, which = cache) => med(id, which, 'loadToFrame');
  const c = frame('pkce-login');
  const vs = (other) => `${signed(c - other)} ms`;
  const ours = tabRuns.filter((r) => r.app === 'pkce-login-tabs' && !r.error);
  const most = ours.at(-1);
  const peer = tabRuns.find((r) => r.app === 'oidc-client-ts-tabs' && !r.error && r.tabs === most?.tabs);
  const tabs = most
    ? ` However many tabs are open, the session is renewed once per rotation (${most.tabs} tabs: ${most.rotations.map((r) => r.grants).join(', ')} refresh grants, every tab with the new token within ${ms(max(most.rotations.map((r) => r.lastTabAfter)))} ms)${peer ? `, where oidc-client-ts's ${peer.tabs} tabs each renewed on their own and ${peer.signedOut} ended signed out` : ''}`
      + (idle ? `; a signed-in tab with nothing to renew runs ${ms(idle['pkce-login'].script)} ms of script a minute, and its main thread uses ${ms(idle['pkce-login'].cpu)} ms of CPU a minute (the IndexedDB floor's page: ${ms(idle['floor-idb'].cpu)} ms).` : '.')
    : '';
  const coldText = RUN_CACHES.includes('cold') && cache !== 'cold'
    ? `, and ${ms(frame('pkce-login', 'cold'))} ms when it is not (the IndexedDB floor: ${ms(frame('floor-idb', 'cold'))} ms; ${bytes(cdn.gzip)} B of gzip to fetch and compile instead of ${bytes(bytesOf('floor').gzip)} B)`
    : '';
  return `For a signed-in user, every page view shows the name ${ms(c)} ms after the document's first byte
when the script is ${cache === 'warm' ? 'cached' : 'not cached'} (${vs(frame('floor-idb'))} against a hand-written page that reads one IndexedDB
record, ${vs(frame('oidc-client-ts'))} against oidc-client-ts reading sessionStorage)${coldText}.
A login takes ${ms(med('pkce-login', clickCache, 'clickToNavigation'))} ms from the click to the navigation (the bare floor: ${ms(floorA)} ms), and the
tokens are usable ${ms(med('pkce-login', cache, 'callbackToToken'))} ms after the provider sends the user back (the IndexedDB floor:
${ms(med('floor-idb', cache, 'callbackToToken'))} ms; most of it is the token request's round trip).${tabs}
${busy ? 'These figures come from a machine that was **not idle** (see Run): read them as rough.' : 'Read every figure with the load reported under Run.'}`.trimEnd();
}
