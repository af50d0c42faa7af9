/**
 * Node-side helpers for end-to-end tests (node:test + playwright-core):
 * a Chromium (and a Firefox) with fake camera/mic, a tiny static file server, and the relay
 * as a child process (`npm run relay`). Recipe: shared/notes/browser-testing.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type LaunchOptions,
  type Page,
} from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser } from 'puppeteer-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Debian's wrapper; override with CHROMIUM_PATH. Never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS: string[] = [
  '--no-sandbox', // root
  // Synthetic cameras (640x480) and mics, several so a device switch can be tested.
  // fake_device_1 is a Y16 depth camera that no video encoder takes; use 0 and 2.
  '--use-fake-device-for-media-stream=device-count=3',
  '--auto-select-desktop-capture-source=Entire screen', // getDisplayMedia picks a fake screen
  '--use-fake-ui-for-media-stream', // auto-grant getUserMedia
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection', // needed when the only interface is lo
  '--disable-features=WebRtcHideLocalIpsWithMdns', // real IPs, no mDNS traffic
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-dev-shm-usage',
];

export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}

/** Debian's Firefox ESR; override with FIREFOX_PATH. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

/**
 * How Firefox is started for tests, here and in web-test-runner.config.mjs: a
 * fake camera and microphone, granted without a prompt, driven over WebDriver
 * BiDi by puppeteer-core (Playwright drives only its own build of Firefox).
 * Firefox gathers no ICE candidate on a machine whose only interface is
 * loopback: its tests need another interface.
 */
export const FIREFOX_LAUNCH_OPTIONS = {
  browser: 'firefox',
  executablePath: FIREFOX_PATH,
  headless: true,
  extraPrefsFirefox: {
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    'media.autoplay.default': 0, // allowed
    'media.peerconnection.ice.loopback': true,
    'media.peerconnection.ice.obfuscate_host_addresses': false, // real addresses, no mDNS
  },
} as const;

export function launchFirefox(): Promise<PuppeteerBrowser> {
  return puppeteer.launch(FIREFOX_LAUNCH_OPTIONS);
}

// ---- static files ----------------------------------------------------------------

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash) */
  url: string;
  port: number;
  /** To attach more to it, such as a relay (`createRelay({ server })`). */
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1 (an ephemeral port; 127.0.0.1 is a secure context,
 * so getUserMedia works). `pages` adds in-memory files, e.g. `{ '/call.html': '<!doctype html>…' }`.
 * `/favicon.ico` is an empty 204 so it does not show up as a console error.
 * `{ https: true }` serves over TLS with test/e2e/tls's self-signed certificate
 * (a context then needs `ignoreHTTPSErrors`), for what browsers do only on https pages.
 */
export async function startStaticServer(
  dir: string,
  pages: Record<string, string> = {},
  { https = false } = {},
): Promise<StaticServer> {
  const base = path.resolve(dir);
  const handle: RequestListener = async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const page = pages[pathname];
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': MIME[path.extname(pathname)] ?? MIME['.html'], 'cache-control': 'no-store' });
      return res.end(page);
    }
    if (pathname === '/favicon.ico') return res.writeHead(204).end();
    let file = path.join(base, pathname);
    if (file !== base && !file.startsWith(base + path.sep)) return res.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const size = (await stat(file)).size;
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'content-length': size,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': MIME['.txt']! }).end('not found');
    }
  };
  const tls = async (name: string) => readFile(path.join(ROOT, 'test/e2e/tls', name));
  // An https.Server is an http.Server with TLS underneath; its types do not say so.
  const server = https
    ? (createHttpsServer({ key: await tls('key.pem'), cert: await tls('cert.pem') }, handle) as unknown as Server)
    : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${https ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- the relay as a child process ---------------------------------------------------

export interface RelayProcess {
  /** e.g. `ws://127.0.0.1:41235`, parsed from the CLI's "listening on" line */
  url: string;
  port: number;
  process: ChildProcess;
  /** everything the relay printed so far (stdout + stderr) */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: npm → sh → tsx → node
  } catch {
    /* already gone */
  }
}

/**
 * Spawns `npm run relay` (= `tsx signaling-server/cli.ts`) with PORT=0 and
 * HOST=127.0.0.1, and resolves once it prints `p2p-call relay listening on ws://…`.
 */
export async function startRelayProcess(
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RelayProcess> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['run', '--silent', 'relay'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() reaches the grandchildren too
  });
  running.add(child);
  let output = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`relay did not start within ${options.timeoutMs ?? 20000} ms. Output:\n${output}`));
    }, options.timeoutMs ?? 20000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const m = /listening on (wss?:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        const u = new URL(m[1]!);
        if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
        resolve(u.href.replace(/\/$/, ''));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`relay exited early (${signal ?? code}). Output:\n${output}`));
    });
  });

  return {
    url,
    port: Number(new URL(url).port),
    process: child,
    output: () => output,
    async stop() {
      killGroup(child, 'SIGTERM');
      const killer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}

// ---- page helpers ------------------------------------------------------------------------

/**
 * A page with one `<p2p-call>` on the built drop-in file; room and server come
 * from its query string (?room=…&server=…). It records in `window.remoteStreams`
 * every p2p-remote-stream, and in `window.events` p2p-joined, p2p-peer-left
 * and the signaling states.
 */
export const CALL_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>call</title>
<script type="module" src="/dist/p2p-call.js"></script>
</head><body>
<p2p-call style="display:block;width:640px;height:480px"></p2p-call>
<script>
  // A classic script runs before the deferred module upgrades the element.
  const call = document.querySelector('p2p-call');
  const query = new URLSearchParams(location.search);
  call.setAttribute('room', query.get('room'));
  call.setAttribute('server', query.get('server'));
  if (query.has('ice-transport-policy')) call.setAttribute('ice-transport-policy', query.get('ice-transport-policy'));
  window.remoteStreams = [];
  call.addEventListener('p2p-remote-stream', (e) => {
    window.remoteStreams.push({ peer: e.detail.peer, isStream: e.detail.stream instanceof MediaStream });
  });
  window.events = [];
  for (const type of ['p2p-joined', 'p2p-peer-left']) call.addEventListener(type, () => window.events.push(type));
  call.addEventListener('p2p-signaling-state', (e) => window.events.push('signaling ' + e.detail.state));
</script>
</body></html>`;

/** The code of the next p2p-error from the page's (first) `<p2p-call>`; call it before what should cause one. */
export function nextErrorCode(page: Page): Promise<string> {
  return page.evaluate(
    () => new Promise<string>((resolve) => document.querySelector('p2p-call')!.addEventListener('p2p-error', (e) => resolve((e as CustomEvent).detail.code))),
  );
}

/** Collects a page's console output and errors (print them when a test fails). */
export function collectPageLogs(page: Page, label: string): string[] {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${label}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${label}] pageerror: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => logs.push(`[${label}] request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return logs;
}

export interface RemoteVideoReport {
  frames: number;
  width: number;
  height: number;
  videos: number;
}

/**
 * Waits until a remote `<video part~="remote-video">` inside `<p2p-call>`'s shadow
 * root has presented ≥ `minFrames` frames (requestVideoFrameCallback) and has a
 * videoWidth > 0. Re-queries on every poll, so re-rendered videos are fine.
 *
 * The in-page code is a plain JS string on purpose: tsx (esbuild, keepNames)
 * rewrites TS functions with `__name(...)` calls that do not exist in the page
 * ("ReferenceError: __name is not defined"). For your own page.evaluate(fn)
 * calls, use a context from newContext() below, which defines `__name`.
 */
export async function waitForRemoteFrames(
  page: { evaluate(expression: string): Promise<unknown> }, // a Playwright page or frame, or a Puppeteer page
  { minFrames = 10, timeoutMs = 15000, selector = 'p2p-call' } = {},
): Promise<RemoteVideoReport> {
  const args = JSON.stringify({ minFrames, timeoutMs, selector });
  return page.evaluate(`(${REMOTE_FRAMES_IN_PAGE})(${args})`) as Promise<RemoteVideoReport>;
}

const REMOTE_FRAMES_IN_PAGE = String.raw`async ({ minFrames, timeoutMs, selector }) => {
  const counts = new WeakMap();
  const track = (v) => {
    if (counts.has(v)) return;
    counts.set(v, 0);
    const onFrame = (_now, meta) => {
      counts.set(v, Math.max((counts.get(v) ?? 0) + 1, meta.presentedFrames));
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  };
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const el = document.querySelector(selector);
    const videos = [...(el?.shadowRoot?.querySelectorAll('video[part~="remote-video"]') ?? [])];
    videos.forEach(track);
    const good = videos.find((v) => (counts.get(v) ?? 0) >= minFrames && v.videoWidth > 0);
    if (good) return { frames: counts.get(good), width: good.videoWidth, height: good.videoHeight, videos: videos.length };
    if (performance.now() > deadline) {
      const seen = videos.map((v) => (counts.get(v) ?? 0) + ' frames ' + v.videoWidth + 'x' + v.videoHeight).join('; ');
      // What the element itself says: its status line, its errors, and where each peer's connection is.
      const part = (name) => el?.shadowRoot?.querySelector('[part~="' + name + '"]')?.textContent?.trim() ?? '';
      const peers = (el?.peers ?? []).map((p) => p.id.slice(0, 8) + ' ' + p.connectionState).join(', ');
      throw new Error('no remote video decoded ' + minFrames + ' frames within ' + timeoutMs + ' ms (' +
        (!el ? 'no <' + selector + '>' : !el.shadowRoot ? 'no shadow root' : videos.length + ' remote video(s): ' + (seen || 'none')) + ')' +
        '; status "' + part('status') + '"' + (part('error') ? '; error "' + part('error') + '"' : '') + '; peers: ' + (peers || 'none'));
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}`;

/** A fresh, isolated context ("another user") where TS functions passed to page.evaluate work under tsx. */
export async function newContext(browser: Browser, options?: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.addInitScript('globalThis.__name ??= (fn) => fn;');
  return context;
}
