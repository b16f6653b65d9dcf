/**
 * `npm run build:examples`: type-checks and builds the framework examples with each ecosystem's
 * own tool, into `examples/<name>/dist/`:
 *
 * - `examples/react`: `tsc` then `vite build` (@vitejs/plugin-react);
 * - `examples/vue`: `vue-tsc` then `vite build` (@vitejs/plugin-vue);
 * - `examples/angular`: `ng build` (@angular/build's application builder; it type-checks the
 *   templates itself, strictTemplates on).
 *
 * The examples import `pkce-login` by its package name; from inside this repository that name
 * resolves to the repository's own package (`exports` of package.json → `dist/npm/`), so run
 * `npm run build` first. Their dependencies are the root's devDependencies. Nothing is cached
 * outside the repository (the Angular CLI's disk cache is off in angular.json).
 *
 * Usage: node scripts/build-examples.mjs [react|vue|angular …]   (default: all three)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);

/** Each example: the commands to run, in order, from its folder. */
const EXAMPLES = {
  react: [
    [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json'],
    [bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn'],
  ],
  vue: [
    [bin('vue-tsc', 'bin/vue-tsc.js'), '-p', 'tsconfig.json'],
    [bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn'],
  ],
  angular: [
    [bin('@angular/cli', 'bin/ng.js'), 'build', '--progress=false'],
  ],
};

/**
 * Runs one command with node, collecting its output.
 *
 * @returns {Promise<{ code: number | null, output: string }>}
 */
function run(cwd, [script, ...args]) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      env: { ...process.env, NG_CLI_ANALYTICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function buildExample(name) {
  const cwd = path.join(root, 'examples', name);
  const started = Date.now();
  for (const command of EXAMPLES[name]) {
    const { code, output } = await run(cwd, command);
    if (code !== 0) {
      const tool = path.basename(command[0]).replace(/\.js$/, '');
      throw new Error(`examples/${name}: \`${tool} ${command.slice(1).join(' ')}\` failed (exit ${code})\n${output.trim()}`);
    }
  }
  if (!existsSync(path.join(cwd, 'dist', 'index.html'))) {
    throw new Error(`examples/${name}: the build wrote no dist/index.html`);
  }
  return Date.now() - started;
}

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(EXAMPLES);
  const unknown = names.filter((name) => !(name in EXAMPLES));
  if (unknown.length) throw new Error(`unknown example(s): ${unknown.join(', ')}`);
  if (!existsSync(path.join(root, 'dist', 'npm', 'pkce-login.js'))) {
    throw new Error('dist/npm/ is missing: run `npm run build` first');
  }

  // One after the other: on two cores, side by side took half as long again (each build is
  // parallel inside already).
  let failed = false;
  for (const name of names) {
    try {
      const ms = await buildExample(name);
      console.log(`examples/${name}/dist built in ${(ms / 1000).toFixed(1)} s`);
    } catch (error) {
      console.error(String(error?.message ?? error));
      failed = true;
    }
  }
  if (failed) process.exit(1);
}

main().catch((error) => {
  console.error(`build-examples: ${error?.message ?? error}`);
  process.exit(1);
});
