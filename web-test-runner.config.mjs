// @web/test-runner: browser tests (mocha) in headless Chromium, and the core of a call in Firefox too. Run: npm run test:browser
// Recipe: shared/notes/browser-testing.md. What tests get from the server side:
//   import { relayUrl } from './relay-url.js'   the relay of this run (test/browser/relay-url.ts loads /__relay.js)
//   fetch('/__relay-stats')                     JSON of relay.stats()
//   server commands from every plugin factory exported by test/browser/plugins/*.mjs
//   (each export named `...Plugin` is called with no arguments and added to `plugins`)
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { playwrightLauncher } from '@web/test-runner-playwright';
import * as puppeteer from 'puppeteer-core';
import { tsImport } from 'tsx/esm/api';

// How the browsers are started lives in one place for WTR and the e2e tests.
const { CHROMIUM_ARGS, CHROMIUM_PATH, FIREFOX_LAUNCH_OPTIONS } = await tsImport('./test/e2e/helpers.ts', import.meta.url);

/**
 * Starts the relay from the TS sources (tsx), so tests never run against a stale dist/.
 * Server command `restart-relay` {downMs?, token?}: closes it (every socket is cut), waits,
 * and starts a new one on the same port, so `relayUrl` stays valid. With `token`, the new
 * relay lets in only sockets whose address has `?token=<token>` (until the next restart).
 */
function relayPlugin() {
  let relay;
  let createRelay;
  return {
    name: 'p2p-call:relay',
    async serverStart() {
      ({ createRelay } = await tsImport('./signaling-server/index.ts', import.meta.url));
      relay = await createRelay({ port: 0, host: '127.0.0.1' });
    },
    async serverStop() {
      await relay?.close();
    },
    async executeCommand({ command, payload }) {
      if (command !== 'restart-relay') return undefined;
      const { port } = relay;
      await relay.close();
      await new Promise((resolve) => setTimeout(resolve, payload?.downMs ?? 0));
      const token = payload?.token;
      const authorize = token && ((request) => new URL(request.url, 'ws://relay').searchParams.get('token') === token);
      relay = await createRelay({ port, host: '127.0.0.1', authorize });
      return { url: relay.url };
    },
    serve(context) {
      if (context.path === '/__relay.js') {
        return { body: `export const relayUrl = ${JSON.stringify(relay.url)};\n`, type: 'js' };
      }
      // The relay's counters, so a test can see an offer being held.
      if (context.path === '/__relay-stats') return { body: JSON.stringify(relay.stats()), type: 'json' };
    },
  };
}

/** Every `*Plugin` factory exported by test/browser/plugins/*.mjs (e.g. peersPlugin, turnPlugin). */
async function projectPlugins() {
  const dir = new URL('./test/browser/plugins/', import.meta.url);
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort();
  } catch {
    return [];
  }
  const plugins = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(fileURLToPath(new URL(file, dir))).href);
    for (const [name, factory] of Object.entries(mod)) {
      if (name.endsWith('Plugin') && typeof factory === 'function') plugins.push(factory());
    }
  }
  return plugins;
}

function countTests(suite, acc) {
  for (const t of suite?.tests ?? []) acc[t.skipped ? 'skipped' : t.passed ? 'passed' : 'failed']++;
  for (const s of suite?.suites ?? []) countTests(s, acc);
  return acc;
}

/** Prints one plain `N passed, N failed, N skipped` line at the end (WTR's own has a progress bar). */
function summaryLineReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const acc = { passed: 0, failed: 0, skipped: 0 };
      for (const s of sessions) {
        countTests(s.testResults, acc);
        // a test file that failed to load has no tests: count it as one failure
        if (!s.passed && !s.testResults?.tests?.length && !s.testResults?.suites?.length) acc.failed++;
      }
      setTimeout(() => console.log(`${acc.passed} passed, ${acc.failed} failed, ${acc.skipped} skipped`));
    },
  };
}

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1, // 2 cores; WebRTC tests are CPU-heavy
  concurrentBrowsers: 1, // Chromium, then Firefox
  testFramework: { config: { timeout: 20000 } },
  // Per file: media-path.test.ts waits out give-ups (15 s each) and retries on purpose, ~3 minutes.
  testsFinishTimeout: 300000,
  // Lit's dev build (the "development" export condition) keeps its useful warnings; only the
  // "Lit is in dev mode" banner is silenced so CI logs stay readable.
  testRunnerHtml: (testFramework) => `<!doctype html><html><head>
    <script>globalThis.litIssuedWarnings = new Set(['dev-mode']);</script>
  </head><body><script type="module" src="${testFramework}"></script></body></html>`,
  plugins: [
    relayPlugin(),
    // Server commands for browser tests (executeServerCommand from '@web/test-runner-commands'):
    // start-turn/stop-turn (turn.mjs), ghost-*/open-tab/close-tab (peers.mjs), heap-strings (heap.mjs).
    ...(await projectPlugins()),
    // esbuild reads tsconfig.json, notably useDefineForClassFields: false (Lit reactive properties).
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) }),
  ],
  reporters: [defaultReporter(), summaryLineReporter()],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS },
    }),
  ],
  groups: [
    {
      // The call, negotiation (glare, rollback, ICE restart), rooms of three, errors, leaks,
      // someone the relay lost, and the relay and TURN dying together, in Firefox too (puppeteer-core over WebDriver BiDi; WTR's puppeteer
      // launcher is this with the full puppeteer package, which downloads a browser).
      // controls and resilience stay Chromium-only: they need its fake devices (several
      // cameras, a screen to share, speakers) or drive Playwright pages.
      name: 'firefox',
      files: ['test/browser/{call,negotiation,mesh,errors,leaks,layout,lost-by-relay,relay-and-turn-outage}.test.ts'],
      browsers: [chromeLauncher({ puppeteer, launchOptions: FIREFOX_LAUNCH_OPTIONS })],
    },
  ],
};
