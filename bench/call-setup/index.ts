/**
 * Call setup: join → first decoded remote video frame, in headless Chromium with fake media.
 *
 * runCallSetup() re-runs this file as a child process inside a private network namespace whose only
 * interface is `lo` (`unshare -n`, root only) so that every ICE pair is 127.0.0.1; without root it
 * runs the same child without the namespace and says so. The child (`--child --out FILE`) starts the
 * relays (each in its own process), a static server for the pages, and Chromium.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join, extname } from 'node:path';
import { writeFile, readFile } from 'node:fs/promises';
import { medianCI, type Interval } from '../lib/stats.js';
import { BENCH, ROOT, percentile, sleep, untilCalm, withTimeout } from '../lib/util.js';
import { startServer, type ServerHandle } from '../relay/spawn.js';
import { farRelay, type FarRelay } from './far-relay.js';
import { browserCpu, cpuByGroup, type BrowserCpu } from './browser-cpu.js';

/**
 * Repetitions per variant. The first frame waits for the sender's camera's next frame after the
 * connection comes up (0–33 ms at 30 fps), so single runs scatter by ±17 ms. With 20, the
 * ratio-to-floor interval was still ±0.10 wide; 40 narrow it by √2 for ~2 more minutes of bench.
 */
export const DEFAULT_REPS = 40;

export type Variant = 'raw' | 'raw-joiner-offers' | 'p2p-call' | 'p2p-call-640' | 'p2p-call-blank' | 'p2p-call-onpage' | 'peerjs' | `p2p-call:${string}`;

/** Page, relay kind and query of each variant. */
const VARIANTS: Record<string, { page: string; relay: 'raw-call' | 'p2p-call' | 'peerjs'; query: string }> = {
  raw: { page: 'raw', relay: 'raw-call', query: '' },
  'raw-joiner-offers': { page: 'raw-joiner-offers', relay: 'raw-call', query: '' },
  'p2p-call': { page: 'p2p-call', relay: 'p2p-call', query: '&capture=small' },
  'p2p-call-640': { page: 'p2p-call', relay: 'p2p-call', query: '' },
  // Every page shows some text before the call (pages/page-text.js); this one shows none.
  'p2p-call-blank': { page: 'p2p-call', relay: 'p2p-call', query: '&capture=small&blank' },
  // The element drawn at load, in no room; t0 sets its room (a page where people click to join).
  'p2p-call-onpage': { page: 'p2p-call', relay: 'p2p-call', query: '&capture=small&onpage' },
  peerjs: { page: 'peerjs', relay: 'peerjs', query: '' },
};

export interface VariantResult {
  variant: Variant;
  label: string;
  skipped?: string;
  samples: number[];
  /** The repetition each sample came from (absent from older results): pairs builds run side by side. */
  repOf?: number[];
  p50: number;
  /** 95% bootstrap interval of p50 (absent from results recorded before it was added). */
  p50CI?: Interval;
  p95: number;
  min: number;
  max: number;
  stalls: number[];
  failures: string[];
  resolution?: string;
  pair?: string;
  via?: string;
  /** ms from t0 at which each step happened, one list per step (see the pages). */
  phases: Record<string, number[]>;
  /** Per repetition: ms from the host's start to t0, and the machine's busy cores in the 200 ms before t0 (absent from older results). */
  settledMs?: number[];
  busyBefore?: number[];
  /** Per repetition: ms of CPU all of the browser's processes used from t0 to the first frame, by kind of work (browser-cpu.ts). */
  cpuMs?: Record<string, number>[];
  /** With --split: the same for the joiner's browser alone. */
  joinerCpuMs?: Record<string, number>[];
  /** Per repetition: ms between those two readings of the CPU time (a little over the first frame's time: the bench's own messages to the page). */
  cpuWindowMs?: number[];
  /** With --trace: per repetition, host (A) and joiner (B) events in ms from the joiner's t0. */
  traces?: { ev: string; t: number }[][];
}

export interface CallSetupResult {
  netns: boolean;
  netnsNote: string;
  reps: number;
  warmup: number;
  settleMs: number;
  /** t0 also waited for the machine to be below this many busy cores (absent from older results). */
  calmCores?: number;
  /** Signaling delay each way (far-relay.ts); 0 or absent: the relays on loopback. */
  relayOneWayMs?: number;
  /** Host and joiner in two browsers, each pinned to a core of its own (--split); absent: one browser. */
  split?: boolean;
  /** The fake camera's frame rate (absent from results recorded before it was set: Chromium's 20). */
  cameraFps?: number;
  chromiumArgs: string[];
  variants: VariantResult[];
}

const LABELS: Record<string, string> = {
  raw: 'raw floor (hand-written page + minimal relay)',
  'raw-joiner-offers': 'raw floor, other flow: joiner offers, host answers',
  'p2p-call': 'p2p-call (dist/p2p-call.js + relay)',
  'p2p-call-640': 'p2p-call, element’s default capture (no size asked)',
  'p2p-call-blank': 'p2p-call on a blank page (no text drawn before the call)',
  'p2p-call-onpage': 'p2p-call, element on the page before the call (room set at t0)',
  peerjs: 'PeerJS (peerjs client + peer server)',
};

// The same Chromium flags as the tests (test/e2e/helpers.ts), so the bench measures what is tested.
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/e2e/helpers.js';

/**
 * The fake camera's frame rate. Chromium's runs at 20 fps unless told, below the 30 fps that every
 * page asks for (pages/common.js) and that a webcam gives. At 20 fps each repetition's first frame
 * moved in 50 ms steps, which hid differences between variants of 10 ms or so: 40 repetitions of
 * p2p-call and the floor then both gave 118–119 ms, while at 30 fps the same code gave 106 vs 94 ms.
 * The tests keep Chromium's default; only the bench's camera is set.
 */
export const CAMERA_FPS = 30;
const BROWSER_ARGS = CHROMIUM_ARGS.map((a) =>
  a.startsWith('--use-fake-device-for-media-stream=') ? `${a},fps=${CAMERA_FPS}` : a,
);

/** BENCH_P2P_CALL_JS=path serves another build of the element (for trying a change before it lands in dist/). */
const DIST = process.env.BENCH_P2P_CALL_JS ?? join(ROOT, 'dist', 'p2p-call.js');
/**
 * BENCH_P2P_CALL_EXTRA=name=path[,name=path…] adds variants `p2p-call:name` that serve other builds of
 * the element, interleaved with the rest (A/B-testing a change): e.g. --variants p2p-call,p2p-call:try.
 */
const EXTRA = new Map(
  (process.env.BENCH_P2P_CALL_EXTRA ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=') as [string, string]),
);
for (const [name] of EXTRA) {
  VARIANTS[`p2p-call:${name}`] = { page: 'p2p-call', relay: 'p2p-call', query: `&capture=small&js=${encodeURIComponent(`/extra/${name}.js`)}` };
  LABELS[`p2p-call:${name}`] = `p2p-call, build "${name}"`;
}
const RELAY_SRC = join(ROOT, 'signaling-server', 'index.ts');

/** Why p2p-call cannot be measured yet, or undefined if it can. */
export function p2pCallMissing(): string | undefined {
  if (!existsSync(DIST)) return 'dist/p2p-call.js not built yet (npm run build)';
  if (!existsSync(RELAY_SRC)) return 'signaling-server/index.ts missing';
  return undefined;
}

/**
 * Parent side: run the child in a loopback-only namespace when root, else without.
 * relayOneWayMs: put every relay that far away (far-relay.ts); the browsers stay on loopback.
 * split: the host's and the joiner's pages in two browsers, each on a CPU core of its own.
 */
export async function runCallSetup(
  opts: { reps?: number; variants?: Variant[]; trace?: boolean; chromeTrace?: boolean; jsProfile?: boolean; relayOneWayMs?: number; split?: boolean } = {},
): Promise<CallSetupResult> {
  const out = join(BENCH, '.tmp', `call-setup-${process.pid}.json`);
  const variants = opts.variants ?? ['raw', 'p2p-call', 'p2p-call-640', 'p2p-call-onpage', 'peerjs'];
  const childArgs = ['--import', 'tsx', join(BENCH, 'call-setup', 'index.ts'), '--child', '--out', out, '--reps', String(opts.reps ?? DEFAULT_REPS), '--variants', variants.join(','), ...(opts.trace ? ['--trace'] : []), ...(opts.chromeTrace ? ['--chrome-trace'] : []), ...(opts.jsProfile ? ['--js-profile'] : []), ...(opts.split ? ['--split'] : []), '--relay-one-way-ms', String(opts.relayOneWayMs ?? 0)];
  const node = process.execPath;
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const tryRun = (cmd: string, args: string[], env: NodeJS.ProcessEnv) =>
    new Promise<number>((resolve) => {
      const c = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT, env });
      // Hard bound on the whole section: ~1.5 s per call is typical; allow 6 s each plus start-up.
      const t = setTimeout(() => c.kill('SIGKILL'), 60_000 + ((opts.reps ?? DEFAULT_REPS) + 1) * variants.length * 6_000);
      c.on('exit', (code) => (clearTimeout(t), resolve(code ?? 1)));
      c.on('error', () => (clearTimeout(t), resolve(127)));
    });
  rmSync(out, { force: true });
  mkdirSync(join(BENCH, '.tmp'), { recursive: true }); // bench/.tmp/ is not in git: a fresh clone has none
  let netnsNote = '';
  if (process.getuid?.() === 0) {
    const inner = `ip link set lo up && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 && exec ${[node, ...childArgs].map(q).join(' ')}`;
    const code = await tryRun('unshare', ['-n', 'sh', '-c', inner], { ...process.env, BENCH_NETNS: '1' });
    if (code === 0 && existsSync(out)) return readResult(out);
    netnsNote = `unshare -n failed (exit ${code}); ran without a private namespace`;
  } else netnsNote = 'not root: ran without a private namespace (ICE may pair on a non-loopback address)';
  console.error(`  call-setup: ${netnsNote}`);
  const code = await tryRun(node, childArgs, { ...process.env, BENCH_NETNS: '0', BENCH_NETNS_NOTE: netnsNote });
  if (code !== 0 || !existsSync(out)) throw new Error(`call-setup child failed (exit ${code})`);
  return readResult(out);
}

async function readResult(file: string): Promise<CallSetupResult> {
  const result = JSON.parse(await readFile(file, 'utf8')) as CallSetupResult;
  rmSync(file, { force: true });
  return result;
}

// ---------------------------------------------------------------- child side

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

function staticServer(): Promise<{ port: number; close(): void }> {
  const files: Record<string, string> = {
    ...Object.fromEntries([...EXTRA].map(([name, path]) => [`/extra/${name}.js`, path])),
    '/p2p-call.js': DIST,
    '/peerjs.min.js': join(ROOT, 'node_modules', 'peerjs', 'dist', 'peerjs.min.js'),
  };
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = files[path] ?? (/^\/[\w.-]+\.(html|js)$/.test(path) ? join(BENCH, 'call-setup', 'pages', path.slice(1)) : '');
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
    }
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ port: (server.address() as { port: number }).port, close: () => server.close() })),
  );
}

/** p2p-call: wait (≤ 5 s) until the relay says an offer is held (the host's, for the next joiner). */
async function waitHeldOffer(relay: ServerHandle) {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    const held = ((await relay.stats()).extra as { heldOffers?: number } | undefined)?.heldOffers;
    if (held === undefined || held >= 1) return;
    await sleep(25);
  }
  throw new Error('the host never got an offer held at the relay');
}

/**
 * An executable that starts Chromium on one CPU core only (its helper processes inherit that), for
 * --split: host and joiner then run in two browsers, one core each, like two small machines.
 */
function pinnedChromium(core: number): string {
  const file = join(BENCH, '.tmp', `chromium-core${core}.sh`);
  writeFileSync(file, `#!/bin/sh\nexec taskset -c ${core} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 });
  return file;
}

const HOST_CORE = 0;
const JOINER_CORE = 1;

async function child(out: string, reps: number, variants: Variant[], trace: boolean, chromeTrace: boolean, jsProfile: boolean, relayOneWayMs: number, split: boolean) {
  const { chromium } = await import('playwright-core');
  const warmup = 1;
  const SETTLE_MS = 500;
  /**
   * Opening the two pages and starting the host keeps both cores busy for 1–2 s on these machines
   * (seen 2026-12-04: new renderer processes, module loading, camera start); a joiner started after a
   * fixed 500 ms was timed against that leftover work, more of it for the heavier pages. So t0 also
   * waits until the machine has been below CALM_CORES for 200 ms (at most CALM_MAX_MS). The host's
   * steady work (its camera, its self view) stays below that.
   */
  const CALM_CORES = 0.75;
  const CALM_MAX_MS = 5000;
  const st = await staticServer();
  const relays: Partial<Record<'raw-call' | 'p2p-call' | 'peerjs', ServerHandle>> = {};
  /** What the pages dial: each relay itself, or a far-relay.ts proxy in front of it. */
  const fronts: Partial<Record<'raw-call' | 'p2p-call' | 'peerjs', { url: string; port: number }>> = {};
  const proxies: FarRelay[] = [];
  const results: VariantResult[] = [];
  const missing = p2pCallMissing();
  const isP2p = (v: Variant) => VARIANTS[v].relay === 'p2p-call';
  const active = variants.filter((v) => !isP2p(v) || !missing);
  for (const v of variants)
    results.push({
      variant: v,
      label: LABELS[v],
      ...(isP2p(v) && missing ? { skipped: missing } : {}),
      samples: [],
      phases: {},
      p50: NaN,
      p95: NaN,
      min: NaN,
      max: NaN,
      stalls: [],
      failures: [],
    });
  const byVariant = (v: Variant) => results.find((r) => r.variant === v)!;
  const launch = (executablePath: string) => chromium.launch({ executablePath, headless: true, args: BROWSER_ARGS });
  // Host's browser, and the joiner's: one browser for both unless split.
  const browser = await launch(split ? pinnedChromium(HOST_CORE) : CHROMIUM_PATH);
  const joinerBrowser = split ? await launch(pinnedChromium(JOINER_CORE)) : browser;
  // The browser's CPU time; with --split, also the joiner's browser's alone (the one on JOINER_CORE).
  const readCpu = () => browserCpu(split ? JOINER_CORE : undefined);
  try {
    for (const v of [...active]) {
      const kind = VARIANTS[v]!.relay;
      try {
        if (!relays[kind]) {
          const started = await startServer(kind);
          relays[kind] = started;
          if (relayOneWayMs) proxies.push((fronts[kind] = await farRelay(started.url, relayOneWayMs)));
          else fronts[kind] = started;
        }
      } catch (e) {
        byVariant(v).skipped = `relay did not start: ${(e as Error).message}`;
        active.splice(active.indexOf(v), 1);
      }
    }
    const ctxA = await browser.newContext();
    const ctxB = await joinerBrowser.newContext();
    const url = (v: Variant) => {
      const { page, relay, query } = VARIANTS[v];
      const r = fronts[relay]!;
      const q = relay === 'peerjs' ? `port=${r.port}` : `relay=${encodeURIComponent(r.url)}`;
      return `http://127.0.0.1:${st.port}/${page}.html?${q}${query}${trace ? '&trace=1' : ''}`;
    };
    const logs: string[] = [];
    /** `onFirstFrame`: called when the page's first remote frame is presented (pages/common.js firstFrame). */
    const openPage = async (ctx: typeof ctxA, v: Variant, who: string, onFirstFrame?: () => void) => {
      const page = await ctx.newPage();
      if (onFirstFrame) await page.exposeFunction('benchFirstFrame', onFirstFrame);
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') logs.push(`[${v} ${who}] ${m.text()}`);
      });
      page.on('pageerror', (e) => logs.push(`[${v} ${who}] pageerror ${e.message}`));
      await page.goto(url(v));
      await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, null, { timeout: 10_000 });
      return page;
    };
    let n = 0;
    for (let rep = 0; rep < warmup + reps; rep++) {
      // Rotate the order each repetition so that no variant always runs first or last.
      const order = active.map((_, i) => active[(i + rep) % active.length]!);
      for (const v of order) {
        const room = `bench${process.pid}x${n++}`;
        const r = byVariant(v);
        let cpuAtFrame: BrowserCpu | undefined;
        let frameSeenAt = NaN;
        const atFrame = () => {
          if (cpuAtFrame) return;
          frameSeenAt = performance.now();
          cpuAtFrame = readCpu();
        };
        const [a, b] = await Promise.all([openPage(ctxA, v, 'host'), openPage(ctxB, v, 'joiner', atFrame)]);

        try {
          await withTimeout(a.evaluate((room) => (window as any).host(room), room), 10_000, `${v} host`);
          if (isP2p(v)) await waitHeldOffer(relays['p2p-call']!);
          const hostDone = performance.now();
          await sleep(SETTLE_MS);
          const busyBefore = await untilCalm(CALM_CORES, 200, CALM_MAX_MS);
          // Plus a random part of one camera frame: the host's camera started a fixed-ish time before
          // t0, and without this its frames could fall at the same phase of every repetition, so a
          // variant's first frame would sit on one side of a frame boundary or the other, not in between.
          await sleep(Math.random() * (1000 / CAMERA_FPS));
          const settled = Math.round(performance.now() - hostDone);
          const traceFile = join(BENCH, '.tmp', `chrome-trace-${v.replace(/\W/g, '_')}-${rep}.json`);
          // Chrome trace of every page; with jsProfile also a sampled JS profile of the joiner (same
          // clock as the trace), which slows the joiner's scripts several-fold.
          const profiler = jsProfile ? await b.context().newCDPSession(b) : undefined;
          if (profiler) {
            await profiler.send('Profiler.enable');
            await profiler.send('Profiler.setSamplingInterval', { interval: 100 });
            await profiler.send('Profiler.start');
          }
          if (chromeTrace || jsProfile)
            await joinerBrowser.startTracing(b, { path: traceFile, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink.user_timing', 'webrtc', 'media', 'disabled-by-default-v8.compile'] });
          const cpuAtStart = readCpu();
          const startedAt = performance.now();
          const res = await withTimeout(
            b.evaluate((room) => (window as any).join(room), room) as Promise<{
              ms: number;
              width: number;
              height: number;
              via: string;
              pair?: string;
              phases?: Record<string, number>;
              t0abs: number;
            }>,
            10_000,
            `${v} join → first frame`,
          );
          if (chromeTrace || jsProfile) await joinerBrowser.stopTracing();
          if (profiler) {
            const { profile } = await profiler.send('Profiler.stop');
            await writeFile(traceFile.replace(/\.json$/, '.cpuprofile'), JSON.stringify(profile));
            await profiler.detach();
          }
          if (rep >= warmup) {
            r.samples.push(res.ms);
            (r.settledMs ??= []).push(settled);
            (r.busyBefore ??= []).push(+busyBefore.toFixed(2));
            (r.repOf ??= []).push(rep);
            if (cpuAtFrame) {
              (r.cpuMs ??= []).push(cpuByGroup(cpuAtStart.all, cpuAtFrame.all));
              if (split) (r.joinerCpuMs ??= []).push(cpuByGroup(cpuAtStart.onCore, cpuAtFrame.onCore));
              (r.cpuWindowMs ??= []).push(Math.round(frameSeenAt - startedAt));
            }
            if (res.ms > 1000) r.stalls.push(res.ms);
            r.resolution = `${res.width}x${res.height}`;
            if (res.pair) r.pair = res.pair;
            r.via = res.via;
            for (const [k, t] of Object.entries({ ...res.phases, frame: res.ms })) (r.phases[k] ??= []).push(t);
            if (trace) {
              const get = (p: typeof a) => p.evaluate(() => (window as any).__trace as { t: number; ev: string }[]);
              const [ta, tb] = await Promise.all([get(a), get(b)]);
              const rel = (who: string, xs: { t: number; ev: string }[]) => xs.map((x) => ({ ev: `${who} ${x.ev}`, t: +(x.t - res.t0abs).toFixed(1) }));
              (r.traces ??= []).push([...rel('A', ta), ...rel('B', tb), { ev: 'B first frame', t: +res.ms.toFixed(1) }].sort((x, y) => x.t - y.t));
            }
          }
          process.stdout.write(`  ${rep < warmup ? 'warm-up ' : ''}${v.padEnd(8)} ${res.ms.toFixed(1)} ms${res.ms > 1000 ? '  STALL (>1 s)' : ''}\n`);
        } catch (e) {
          const msg = (e as Error).message;
          if (rep >= warmup) r.failures.push(msg);
          process.stdout.write(`  ${v.padEnd(8)} FAILED: ${msg}\n${logs.slice(-8).map((l) => `    ${l}`).join('\n')}\n`);
        } finally {
          logs.length = 0;
          await Promise.all([a.close(), b.close()]);
        }
      }
    }
    await ctxA.close();
    await ctxB.close();
  } finally {
    await browser.close().catch(() => {});
    if (split) await joinerBrowser.close().catch(() => {});
    for (const proxy of proxies) proxy.close();
    for (const r of Object.values(relays)) await r?.close();
    st.close();
  }
  for (const r of results) {
    if (!r.samples.length) continue;
    r.p50 = percentile(r.samples, 50);
    r.p50CI = medianCI(r.samples);
    r.p95 = percentile(r.samples, 95);
    r.min = Math.min(...r.samples);
    r.max = Math.max(...r.samples);
  }
  const res: CallSetupResult = {
    netns: process.env.BENCH_NETNS === '1',
    netnsNote: process.env.BENCH_NETNS === '1' ? 'unshare -n: lo only, IPv6 off' : (process.env.BENCH_NETNS_NOTE ?? 'no namespace'),
    reps,
    warmup,
    settleMs: SETTLE_MS,
    calmCores: CALM_CORES,
    relayOneWayMs,
    split,
    cameraFps: CAMERA_FPS,
    chromiumArgs: BROWSER_ARGS,
    variants: results,
  };
  await writeFile(out, JSON.stringify(res, null, 2));
}

const argv = process.argv.slice(2);
if (argv.includes('--child')) {
  const out = argv[argv.indexOf('--out') + 1]!;
  const reps = Number(argv[argv.indexOf('--reps') + 1] ?? DEFAULT_REPS);
  const variants = (argv[argv.indexOf('--variants') + 1] ?? 'raw,p2p-call,peerjs').split(',') as Variant[];
  const oneWay = Number(argv[argv.indexOf('--relay-one-way-ms') + 1] ?? 0);
  await child(out, reps, variants, argv.includes('--trace'), argv.includes('--chrome-trace'), argv.includes('--js-profile'), oneWay, argv.includes('--split'));
  process.exit(0);
}

