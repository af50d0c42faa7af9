/**
 * Runs ONE server in its own process (started by bench/relay/spawn.ts with `fork`, `--expose-gc`),
 * so that the load client in the parent and the server do not share an event loop or a core.
 *
 *   argv[2] = kind: raw | raw-held | raw-call | p2p-call | p2p-call-redis | y-webrtc | peerjs
 *   p2p-call-redis keeps its rooms in the Redis at BENCH_REDIS_URL (set by bench/relay/index.ts).
 *
 * IPC: child → parent {type:'ready', port}; parent → child {type:'stats', gc?} → child replies
 * {type:'stats', rss, heapUsed, external, arrayBuffers, youngGen, cpuUser, cpuSystem, extra}; {type:'close'} → exit.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { gcKind } from './gc-pauses.js';

const ROOT = join(import.meta.dirname, '..', '..');
const HOST = '127.0.0.1';
const kind = process.argv[2];

interface Started {
  port: number;
  close(): unknown;
  stats?: () => unknown;
}

async function start(): Promise<Started> {
  switch (kind) {
    case 'raw': {
      const { startRawForwarder } = await import('./servers/raw-forwarder.js');
      return startRawForwarder(0, HOST);
    }
    case 'raw-held': {
      const { startRawHeld } = await import('./servers/raw-held.js');
      return startRawHeld(0, HOST);
    }
    case 'raw-call': {
      const { startRawCallRelay } = await import('../call-setup/raw-call-relay.js');
      return startRawCallRelay(0, HOST);
    }
    case 'p2p-call':
    case 'p2p-call-redis': {
      // Imported by URL so that the bench typechecks before signaling-server/ exists.
      // BENCH_RELAY_DIR=/path/to/a/copy/of/signaling-server tries a change to the relay before it lands.
      const dir = process.env.BENCH_RELAY_DIR ?? join(ROOT, 'signaling-server');
      const mod = await import(pathToFileURL(join(dir, 'index.ts')).href);
      let redis: { url: string; prefix: string } | undefined;
      if (kind === 'p2p-call-redis') {
        if (!process.env.BENCH_REDIS_URL) throw new Error('p2p-call-redis needs BENCH_REDIS_URL');
        // A prefix per start: every run shares one redis-server and must not see another run's rooms.
        redis = { url: process.env.BENCH_REDIS_URL, prefix: `bench-${randomUUID()}:` };
      }
      // The rate limit is checked at every frame as always, but raised: the saturated load sends
      // ~600 KB a second per socket, six times the default, and is there to be forwarded.
      const rateLimit = { kbPerSecond: 1e9, burstKb: 1e9 };
      const relay = await mod.createRelay({ port: 0, host: HOST, rateLimit, ...(redis && { redis }) });
      return { port: relay.port, close: () => relay.close(), stats: () => relay.stats?.() };
    }
    case 'y-webrtc': {
      // y-webrtc's own bin, unmodified. It calls server.listen(process.env.PORT || 4444) on all
      // interfaces; we catch that call to bind 127.0.0.1 on an ephemeral port and learn the port.
      let server: http.Server | undefined;
      const listen = http.Server.prototype.listen;
      http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
        server = this;
        http.Server.prototype.listen = listen;
        const cb = args.find((a): a is () => void => typeof a === 'function');
        return (listen as (this: http.Server, port: number, host: string, cb?: () => void) => http.Server).call(this, 0, HOST, cb);
      } as typeof listen;
      const log = console.log;
      console.log = () => {}; // its "running on localhost: <port>" line would show the wrong port
      const require = createRequire(import.meta.url);
      const pkgDir = join(require.resolve('y-webrtc'), '..', '..'); // …/y-webrtc/dist/y-webrtc.cjs → …/y-webrtc
      await import(pathToFileURL(join(pkgDir, 'bin', 'server.js')).href);
      console.log = log;
      const s = server!;
      if (!s.listening) await new Promise((r) => s.once('listening', r));
      return { port: (s.address() as { port: number }).port, close: () => s.close() };
    }
    case 'peerjs': {
      const { PeerServer } = await import('peer');
      return new Promise((resolve) => {
        // concurrent_limit defaults to 5000 clients; raised so the 5000-socket idle test can run.
        PeerServer({ port: 0, host: HOST, path: '/', key: 'peerjs', concurrent_limit: 100_000 }, (server) =>
          resolve({ port: (server.address() as { port: number }).port, close: () => server.close() }),
        );
      });
    }
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
}

const started = await start();
/**
 * The server's GC pauses since the last stats reply, for the latency runs (relay (b)): start as
 * epoch ms (the parent has its own time origin), duration ms, and perf_hooks' kind of collection.
 */
let gcPauses: { at: number; ms: number; kind?: number }[] = [];
const pause = (e: PerformanceEntry) => ({
  at: performance.timeOrigin + e.startTime,
  ms: e.duration,
  kind: gcKind(e),
});
const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map(pause)));
gcObserver.observe({ entryTypes: ['gc'] });
process.on('message', (m: { type: string; gc?: boolean }) => {
  if (m.type === 'stats') {
    if (m.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const mem = process.memoryUsage();
    // The young generation's committed size: after the GCs above it holds nothing live, so what it
    // adds to RSS is V8's sizing after recent allocation, not memory the sockets need (relay (c)).
    const youngGen = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0;
    const cpu = process.cpuUsage();
    let extra: unknown;
    try {
      extra = started.stats?.();
    } catch {
      extra = undefined;
    }
    gcPauses.push(...gcObserver.takeRecords().map(pause)); // entries not yet delivered to the callback
    process.send!({ type: 'stats', ...mem, youngGen, cpuUser: cpu.user, cpuSystem: cpu.system, gcPauses, extra });
    gcPauses = [];
  } else if (m.type === 'close') {
    try {
      started.close();
    } finally {
      setTimeout(() => process.exit(0), 50);
    }
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', port: started.port });
