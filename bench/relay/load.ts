/**
 * The load client. Runs in the bench process; every server runs in its own child (spawn.ts), so on a
 * 2-core box the client and the server each get a core. Every loop here is bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { adapters, closeAll, connect, nextFrame, openPairs, sdpJson, type Side } from './adapters.js';
import { gcKind, pausesIn, type GcPause, type GcPauses } from './gc-pauses.js';
import { startServer, type ServerHandle, type ServerKind } from './spawn.js';
import { machineBusySeconds, percentile, processCpuSeconds, sleep, withTimeout } from '../lib/util.js';

export type ForwardKind = keyof typeof adapters;
export type HeldKind = 'raw-held' | 'p2p-call' | 'p2p-call-redis';

/** Read and write syscalls made so far by process `pid` (Linux /proc/PID/io), or undefined. */
function syscalls(pid: number): { r: number; w: number } | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { r: Number(/syscr:\s*(\d+)/.exec(io)?.[1]), w: Number(/syscw:\s*(\d+)/.exec(io)?.[1]) };
  } catch {
    return undefined;
  }
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return c.user + c.system; // µs
};
const serverCpu = async (s: ServerHandle, gc = false) => {
  const st = await s.stats(gc);
  return st.cpuUser + st.cpuSystem;
};

/**
 * Classify a frame by its `src=<id>;` marker: 1 = from the partner, 0 = our own echo, -1 = control
 * frame. A Buffer search, no JSON parsing, to keep the client cheap.
 */
function classify(data: Buffer, self: string): -1 | 0 | 1 {
  const i = data.indexOf('src=');
  if (i < 0) return -1;
  return data.toString('latin1', i + 4, i + 5 + self.length) === `${self};` ? 0 : 1;
}

async function withServer<T>(kind: ServerKind, fn: (s: ServerHandle) => Promise<T>): Promise<T> {
  const s = await startServer(kind);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export interface SaturatedResult {
  msgPerSec: number;
  forwarded: number;
  echoes: number;
  seconds: number;
  serverCpuPct: number;
  clientCpuPct: number;
  /** CPU used by other processes on the machine during the window, in cores (machine busy − ours). */
  otherCores: number;
  /** Set when even the calmest attempt was disturbed by other processes. */
  contended?: boolean;
  /** The server's read and write syscalls per forwarded frame (from /proc/PID/io). */
  serverReadsPerMsg?: number;
  serverWritesPerMsg?: number;
}

/**
 * Processes the bench started besides the load client and the server child (redis-server for
 * p2p-call-redis). Their CPU is ours: counted as "other processes", it would mark every run that
 * uses them as disturbed.
 */
export const helperPids = new Set<number>();
/** Busy CPU-seconds of the machine so far, less those of the helper processes. */
const busySeconds = () => {
  const busy = machineBusySeconds();
  return busy === undefined ? undefined : [...helperPids].reduce((b, pid) => b - (processCpuSeconds(pid) ?? 0), busy);
};

/** Cores used by everything else during a window: machine busy CPU-seconds minus ours, per second. */
const others = (busy1: number | undefined, busy2: number | undefined, oursMicros: number, secs: number) =>
  busy1 === undefined || busy2 === undefined ? NaN : Math.max(0, (busy2 - busy1 - oursMicros / 1e6) / secs);

/** (a) 200 sockets in 100 pairs, 4 × ~1 KB frames in flight per socket; forwarded frames per second. */
export function saturated(
  kind: ForwardKind,
  o = { pairs: 100, inflight: 4, warmMs: 1000, measureMs: 3000 },
): Promise<SaturatedResult> {
  return withServer(kind, async (server) => {
    const ad = adapters[kind];
    const pairs = await openPairs(ad, server.url, `s${Date.now() % 1e6}`, o.pairs);
    let forwarded = 0;
    let echoes = 0;
    let running = true;
    try {
      const all = pairs.flat();
      for (const side of all) {
        const frame = Buffer.from(ad.frame(side, sdpJson(side.id, 0)));
        side.ws.on('message', (data: Buffer) => {
          const c = classify(data, side.id);
          if (c === 1) {
            forwarded++;
            if (running) side.ws.send(frame, { binary: false });
          } else if (c === 0) echoes++;
        });
        (side as Side & { frame?: Buffer }).frame = frame;
      }
      for (const side of all) for (let k = 0; k < o.inflight; k++) side.ws.send((side as Side & { frame: Buffer }).frame, { binary: false });
      await sleep(o.warmMs);
      const [c1, e1, t1, cc1, sc1, b1, io1] = [forwarded, echoes, performance.now(), cpuNow(), await serverCpu(server), busySeconds(), syscalls(server.pid)];
      await sleep(o.measureMs);
      const [c2, e2, t2, cc2, sc2, b2, io2] = [forwarded, echoes, performance.now(), cpuNow(), await serverCpu(server), busySeconds(), syscalls(server.pid)];
      running = false;
      const secs = (t2 - t1) / 1000;
      if (c2 === c1) throw new Error(`${kind}: nothing was forwarded`);
      return {
        msgPerSec: (c2 - c1) / secs,
        forwarded: c2 - c1,
        echoes: e2 - e1,
        seconds: secs,
        serverCpuPct: ((sc2 - sc1) / 1e6 / secs) * 100,
        clientCpuPct: ((cc2 - cc1) / 1e6 / secs) * 100,
        otherCores: others(b1, b2, cc2 - cc1 + sc2 - sc1, secs),
        ...(io1 && io2 ? { serverReadsPerMsg: (io2.r - io1.r) / (c2 - c1), serverWritesPerMsg: (io2.w - io1.w) / (c2 - c1) } : {}),
      };
    } finally {
      running = false;
      closeAll(pairs);
    }
  });
}

export interface LatencyResult {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  received: number;
  achievedRate: number;
  serverCpuPct: number;
  otherCores: number;
  contended?: boolean;
  /** The load client's own GC pauses in the measured window (absent from older results). */
  clientGc?: GcPauses;
  /** The server's own GC pauses that overlap the measured window. */
  serverGc?: GcPauses;
}

/**
 * The load client's GC pauses that overlap [from, to) (performance.now() ms) while `run` runs.
 * Its samples are its own: a pause of the client delays every frame it would have read then.
 */
async function clientGcPauses<T>(run: () => Promise<T>, window: () => [number, number]): Promise<[T, GcPauses]> {
  const pauses: GcPause[] = [];
  const gcPause = (e: PerformanceEntry): GcPause => ({ startTime: e.startTime, duration: e.duration, kind: gcKind(e) });
  const observer = new PerformanceObserver((list) => pauses.push(...list.getEntries().map(gcPause)));
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await run();
    pauses.push(...observer.takeRecords().map(gcPause)); // entries not yet delivered to the callback
    return [result, pausesIn(pauses, ...window())];
  } finally {
    observer.disconnect();
  }
}

/** (b) 1000 sockets (500 pairs), 2000 frames/s in aggregate, round-robin over the sockets; one-way latency. */
export function fixedRate(
  kind: ForwardKind,
  o = { sockets: 1000, rate: 2000, warmMs: 500, measureMs: 2500, drainMs: 500 },
): Promise<LatencyResult> {
  return withServer(kind, async (server) => {
    const ad = adapters[kind];
    const pairs = await openPairs(ad, server.url, `l${Date.now() % 1e6}`, o.sockets / 2);
    try {
      const all = pairs.flat();
      const samples: number[] = [];
      let mStart = Infinity;
      let mEnd = Infinity;
      for (const side of all) {
        side.ws.on('message', (data: Buffer) => {
          const now = performance.now();
          if (classify(data, side.id) !== 1) return;
          const i = data.indexOf('ts=');
          const ts = +data.toString('latin1', i + 3, data.indexOf(';', i));
          if (ts >= mStart && ts < mEnd) samples.push(now - ts);
        });
      }
      // Full collections of both heaps now, so that the window measures forwarding, not the aftermath
      // of a thousand sockets opened within a second. Left alone, the first scavenge after the joins
      // copies and promotes what they allocated (on 2026-12-05: 12-18 ms in p2p-call's relay, 7-9 in
      // the raw floor), and it fell in or just before the window; on 2026-12-04 the client's major
      // GC (12-17 ms) did in about a third of the runs. A run that caught either had a p99 of the
      // pause (6-20 ms against 2-3).
      (globalThis as { gc?: () => void }).gc?.();
      const [sc0, cc0, b0] = [await serverCpu(server, true), cpuNow(), busySeconds()];
      const start = performance.now();
      mStart = start + o.warmMs;
      const stop = mStart + o.measureMs;
      let sent = 0;
      let sentInWindow = 0;
      let next = 0;
      const [, clientGc] = await clientGcPauses(() => new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const now = performance.now();
          if (now >= stop) {
            clearInterval(timer);
            mEnd = stop;
            resolve();
            return;
          }
          const due = Math.floor(((now - start) * o.rate) / 1000);
          for (let k = 0; sent < due && k < o.rate; k++, sent++) {
            const side = all[next++ % all.length]!;
            const ts = performance.now();
            if (ts >= mStart) sentInWindow++;
            side.ws.send(ad.frame(side, sdpJson(side.id, ts)));
          }
        }, 1);
      }), () => [mStart, stop]);
      const end = await server.stats();
      const [sc1, cc1, b1] = [end.cpuUser + end.cpuSystem, cpuNow(), busySeconds()];
      const wall = (performance.now() - start) / 1000;
      await sleep(o.drainMs);
      return {
        p50: percentile(samples, 50),
        p99: percentile(samples, 99),
        max: percentile(samples, 100),
        sent: sentInWindow,
        received: samples.length,
        achievedRate: sentInWindow / (o.measureMs / 1000),
        serverCpuPct: ((sc1 - sc0) / 1e6 / wall) * 100,
        otherCores: others(b0, b1, sc1 - sc0 + cc1 - cc0, wall),
        clientGc,
        serverGc: pausesIn(end.gcPauses.map((p) => ({ startTime: p.at - performance.timeOrigin, duration: p.ms, kind: p.kind })), mStart, stop),
      };
    } finally {
      closeAll(pairs);
    }
  });
}

export interface MemoryPoint {
  sockets: number;
  rssBytes: number;
  perConnBytes: number;
  /** The same, with V8's young generation left out of both readings (see relay (c) in bench/README.md). */
  perConnWithoutYoungBytes: number;
  heapPerConnBytes: number;
  youngGenBytes: number;
}
export interface MemoryResult {
  baseRssBytes: number;
  baseYoungGenBytes: number;
  points: MemoryPoint[];
}

/** (c) RSS delta / N of the server process at N idle, joined sockets (pairs in one room/topic each). */
export function idleMemory(kind: ForwardKind, steps = [1000, 5000]): Promise<MemoryResult> {
  return withServer(kind, async (server) => {
    const ad = adapters[kind];
    const tag = `m${Date.now() % 1e6}`;
    await sleep(300);
    const base = await server.stats(true);
    const pairs: [Side, Side][] = [];
    const points: MemoryPoint[] = [];
    try {
      for (const n of steps) {
        const more = n / 2 - pairs.length;
        const added = await openPairs(
          { ...ad, openPair: (url, t, p) => ad.openPair(url, t, p + pairs.length) },
          server.url,
          tag,
          more,
          100,
        );
        pairs.push(...added);
        await sleep(500);
        const st = await server.stats(true);
        points.push({
          sockets: n,
          rssBytes: st.rss,
          perConnBytes: (st.rss - base.rss) / n,
          perConnWithoutYoungBytes: (st.rss - st.youngGen - (base.rss - base.youngGen)) / n,
          heapPerConnBytes: (st.heapUsed - base.heapUsed) / n,
          youngGenBytes: st.youngGen,
        });
      }
      return { baseRssBytes: base.rss, baseYoungGenBytes: base.youngGen, points };
    } finally {
      closeAll(pairs);
    }
  });
}

export interface HeldResult {
  p50: number;
  p99: number;
  max: number;
  joins: number;
  withOffer: number;
}

/**
 * (d) Held offers: `rooms` rooms, each with one peer that joined and held an offer; then one joiner
 * per room (its socket already open) sends `join`, paced at `joinRate`/s; time to the `welcome` that
 * carries the held offer. Only p2p-call's relay and the raw held-offer floor have this path.
 */
export function heldOffer(kind: HeldKind, o = { rooms: 1000, joinRate: 1000 }): Promise<HeldResult> {
  return withServer(kind, async (server) => {
    const tag = `h${Date.now() % 1e6}`;
    const sdp = JSON.parse(sdpJson(`holder${tag}`, 0)) as string;
    const sockets: import('ws').WebSocket[] = [];
    try {
      // Holders: join, then hold an offer.
      let next = 0;
      const holder = async () => {
        while (next < o.rooms) {
          const r = next++;
          const ws = await connect(server.url);
          sockets.push(ws);
          const welcome = nextFrame(ws, (m) => m.type === 'welcome', 'holder welcome');
          ws.send(JSON.stringify({ type: 'join', room: `r${tag}x${r}`, peer: `h${tag}x${r}`, secret: randomUUID() }));
          await welcome;
          ws.send(JSON.stringify({ type: 'offer', offerId: `o${tag}x${r}`, sdp }));
        }
      };
      await Promise.all(Array.from({ length: 50 }, holder));
      // Joiners: sockets open first, so the timing covers join → welcome only.
      const joiners: import('ws').WebSocket[] = [];
      next = 0;
      const opener = async () => {
        while (next < o.rooms) {
          const r = next++;
          joiners[r] = await connect(server.url);
          sockets.push(joiners[r]);
        }
      };
      await Promise.all(Array.from({ length: 50 }, opener));
      await sleep(500); // let the last held offers land
      const lat: number[] = [];
      let withOffer = 0;
      const done = joiners.map(
        (ws, r) =>
          new Promise<void>((resolve) => {
            let t0 = 0;
            ws.on('message', (d: Buffer) => {
              const m = JSON.parse(String(d));
              if (m.type !== 'welcome') return;
              lat.push(performance.now() - t0);
              if (m.offers?.length === 1 && m.offers[0].sdp === sdp) withOffer++;
              resolve();
            });
            (ws as unknown as { go: () => void }).go = () => {
              t0 = performance.now();
              ws.send(JSON.stringify({ type: 'join', room: `r${tag}x${r}`, peer: `j${tag}x${r}`, secret: randomUUID() }));
            };
          }),
      );
      const start = performance.now();
      let sent = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const due = Math.min(o.rooms, Math.floor(((performance.now() - start) * o.joinRate) / 1000));
          for (; sent < due; sent++) (joiners[sent] as unknown as { go: () => void }).go();
          if (sent >= o.rooms) {
            clearInterval(timer);
            resolve();
          }
        }, 1);
      });
      await withTimeout(Promise.all(done), 15_000, `${kind} welcomes`);
      return { p50: percentile(lat, 50), p99: percentile(lat, 99), max: percentile(lat, 100), joins: lat.length, withOffer };
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });
}

/** Wait (at most `maxMs`) until other processes use less than `cores` of CPU over a 300 ms look. */
export async function waitQuiet(cores = 0.25, maxMs = 3000): Promise<number> {
  const end = performance.now() + maxMs;
  let load = NaN;
  while (performance.now() < end) {
    const [b0, c0, t0] = [busySeconds(), cpuNow(), performance.now()];
    await sleep(300);
    const secs = (performance.now() - t0) / 1000;
    load = others(b0, busySeconds(), cpuNow() - c0, secs);
    if (!(load >= cores)) break;
  }
  return load;
}
