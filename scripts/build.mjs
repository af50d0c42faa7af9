#!/usr/bin/env node
/**
 * npm run build (also run by `prepare`, i.e. on every `npm install` / `npm ci`).
 *
 * Three independent steps, run in parallel:
 *   1. dist/p2p-call.js        one drop-in ES module, Lit inlined, minified (Vite lib mode)
 *   2. dist/esm/**             `tsc -p tsconfig.build.json`: JS + .d.ts for the npm package
 *                              (element: dist/esm/src/, relay: dist/esm/signaling-server/)
 *   3. custom-elements.json    @custom-elements-manifest/analyzer (config: custom-elements-manifest.config.mjs)
 * then: shebang + exec bit on the relay CLI, the third-party license file, a size report.
 *
 * Options: --only=bundle,tsc,cem   run a subset (e.g. `npm run build -- --only=bundle`)
 * Env:     P2P_CALL_ENTRY=path     bundle another entry (for trying the config without src/index.ts)
 */
import { spawn } from 'node:child_process';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { dropInConfig } from './drop-in-config.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const r = (...p) => path.join(root, ...p);
const require = createRequire(import.meta.url);
const pkg = JSON.parse(await readFile(r('package.json'), 'utf8'));

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const want = (step) => !only || only.includes(step);

const BUNDLE = 'dist/p2p-call.js';
const RELAY_CLI = 'dist/esm/signaling-server/cli.js';
/** Size budget of the drop-in file (gzip). Over budget is a warning, not a failure. */
const GZIP_BUDGET = 12 * 1024;

const timings = [];
async function timed(name, fn) {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings.push(`${name} ${Math.round(performance.now() - t0)} ms`);
  }
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${code}\n${out}`)),
    );
  });
}

// ---- 1. the drop-in bundle ----------------------------------------------------
/**
 * The element may only `import type` from src/protocol/messages.ts: one value
 * import (even `import { type X }`, which verbatimModuleSyntax keeps as a bare
 * import) drags TypeBox's validator into the drop-in file (+11 KB gzip).
 */
function noTypeBoxInBundle() {
  return {
    name: 'p2p-call:no-typebox-in-bundle',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === '@sinclair/typebox' || source.startsWith('@sinclair/typebox/')) {
        this.error(
          `${path.relative(root, importer ?? '?')} imports TypeBox and something in src/ imports it by value, so it would land in dist/p2p-call.js (+11 KB gzip). ` +
            `Element code must use \`import type { … } from '…/protocol/messages.js'\` (not \`import { type … }\`) ` +
            `and take values like PROTOCOL_VERSION from a module that does not import TypeBox.`,
        );
      }
      return null;
    },
  };
}

async function bundle() {
  const entry = process.env.P2P_CALL_ENTRY ? path.resolve(process.env.P2P_CALL_ENTRY) : r('src/index.ts');
  if (!existsSync(entry)) throw new Error(`bundle: entry ${path.relative(root, entry)} does not exist`);
  await build(
    dropInConfig({
      root,
      entry,
      outFile: r(BUNDLE),
      plugins: [noTypeBoxInBundle()],
      // Every comment (Lit's @license headers included) is stripped: say it once
      // here; the full texts go to dist/THIRD_PARTY_LICENSES.txt.
      banner: `/*! p2p-call ${pkg.version} | MIT | bundles Lit (BSD-3-Clause, (c) Google LLC): see THIRD_PARTY_LICENSES.txt */`,
    }),
  );
  await thirdPartyLicenses();
}

/** The folder of an installed package (its exports map may hide package.json). */
function packageDir(name) {
  let dir;
  try {
    dir = path.dirname(require.resolve(name));
  } catch {
    return null;
  }
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && require(file).name === name) return dir;
  }
  return null;
}

async function thirdPartyLicenses() {
  const names = ['lit', 'lit-html', 'lit-element', '@lit/reactive-element'];
  const byText = new Map();
  for (const name of names) {
    const dir = packageDir(name);
    if (!dir) continue;
    const version = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).version;
    const text = (await readFile(path.join(dir, 'LICENSE'), 'utf8').catch(() => '')).trim();
    if (!text) continue;
    byText.set(text, [...(byText.get(text) ?? []), `${name}@${version}`]);
  }
  const body = [...byText]
    .map(([text, who]) => `${who.join(', ')}\n${'-'.repeat(72)}\n${text}\n`)
    .join('\n');
  await writeFile(
    r('dist/THIRD_PARTY_LICENSES.txt'),
    `dist/p2p-call.js bundles the following packages.\n\n${body}`,
  );
}

// ---- 2. the npm ESM build + .d.ts ----------------------------------------------
async function tsc() {
  await rm(r('dist/esm'), { recursive: true, force: true }); // no stale files from renamed sources
  const tscBin = path.join(packageDir('typescript'), 'bin', 'tsc');
  await run(process.execPath, [tscBin, '-p', 'tsconfig.build.json']);
  if (existsSync(r(RELAY_CLI))) {
    const js = await readFile(r(RELAY_CLI), 'utf8');
    if (!js.startsWith('#!')) await writeFile(r(RELAY_CLI), `#!/usr/bin/env node\n${js}`);
    await chmod(r(RELAY_CLI), 0o755);
  }
}

// ---- 3. custom-elements.json ---------------------------------------------------
async function cem() {
  const bin = path.join(packageDir('@custom-elements-manifest/analyzer'), 'cem.js');
  await run(process.execPath, [bin, 'analyze']); // options: custom-elements-manifest.config.mjs
}

// ---- main -----------------------------------------------------------------------
const t0 = performance.now();
const steps = [];
if (want('bundle')) steps.push(timed('bundle', bundle));
if (want('tsc')) steps.push(timed('tsc', tsc));
if (want('cem')) steps.push(timed('cem', cem));
const results = await Promise.allSettled(steps);
const failures = results.filter((x) => x.status === 'rejected');
const bundleOk = want('bundle') && results[0].status === 'fulfilled';
for (const f of failures) console.error(`\nbuild: ${f.reason?.message ?? f.reason}`);

const lines = [];
if (bundleOk && existsSync(r(BUNDLE))) {
  const code = await readFile(r(BUNDLE));
  const gz = gzipSync(code, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  lines.push(`${BUNDLE}  ${kb(code.length)}  gzip ${kb(gz)}${gz > GZIP_BUDGET ? `  (over the ${kb(GZIP_BUDGET)} budget!)` : ''}`);
}
if (want('tsc') && existsSync(r('dist/esm'))) lines.push(`dist/esm/  (element: dist/esm/src/, relay: dist/esm/signaling-server/)`);
if (want('cem') && existsSync(r('custom-elements.json'))) {
  const s = await stat(r('custom-elements.json'));
  lines.push(`custom-elements.json  ${(s.size / 1024).toFixed(1)} KB`);
}
console.log(
  `${lines.join('\n')}\nbuild ${failures.length ? 'FAILED' : 'ok'} in ${Math.round(performance.now() - t0)} ms (${timings.join(', ')})`,
);
process.exitCode = failures.length ? 1 : 0;
