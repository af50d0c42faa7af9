/**
 * Relay section: each test starts each server fresh in a child process; the load client runs here.
 * Runs are interleaved (raw, p2p-call, p2p-call-redis, y-webrtc, peerjs, then the next run in a rotated order) so
 * that slow drift of the machine hits every server alike.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer, type RedisServer } from '../../test/node/redis-server.js';
import { ROOT } from '../lib/util.js';
import { fixedRate, heldOffer, helperPids, idleMemory, saturated, waitQuiet, type ForwardKind, type HeldKind, type HeldResult, type LatencyResult, type MemoryResult, type SaturatedResult } from './load.js';

/** A result and the run (0-based) it came from, so that the tables can pair the servers of one run. */
export type OfRun<T> = T & { run: number };

export interface RelayResults {
  runs: number;
  kinds: ForwardKind[];
  skipped: Record<string, string>;
  saturated: Partial<Record<ForwardKind, OfRun<SaturatedResult>[]>>;
  fixedRate: Partial<Record<ForwardKind, OfRun<LatencyResult>[]>>;
  memory: Partial<Record<ForwardKind, OfRun<MemoryResult>[]>>;
  held: Partial<Record<HeldKind, OfRun<HeldResult>[]>>;
  errors: string[];
  /** Attempts that were disturbed by other processes (≥ CONTENDED cores) and so repeated. */
  retries: string[];
  /** The RELAY_SETTINGS the run used (the tables read the window and rates from here). */
  settings: typeof RELAY_SETTINGS;
}

/** A timed run during which other processes used this many cores or more is run again (bounded). */
export const CONTENDED = 0.25;
const MAX_TRIES = 3;
/** A test stops retrying disturbed runs after this long (so a busy machine cannot stretch the bench forever). */
const TEST_BUDGET_MS = 60_000;

export const RELAY_SETTINGS = {
  saturated: { pairs: 100, inflight: 4, warmMs: 1000, measureMs: 3000 },
  /**
   * The window is one whole heartbeat interval of p2p-call's relay (5 s): a
   * shorter one can miss what the relay does once per interval (see relay (b)).
   */
  fixedRate: { sockets: 1000, rate: 2000, warmMs: 500, measureMs: 5000, drainMs: 500 },
  memory: { steps: [1000, 5000] },
  held: { rooms: 1000, joinRate: 1000 },
  payloadBytes: 1000,
};

export async function runRelay(o: { runs?: number; only?: string[] } = {}): Promise<RelayResults> {
  const runs = o.runs ?? 3;
  const all: ForwardKind[] = ['raw', 'p2p-call', 'p2p-call-redis', 'y-webrtc', 'peerjs'];
  const skipped: Record<string, string> = {};
  if (!existsSync(join(ROOT, 'signaling-server', 'index.ts'))) skipped['p2p-call'] = skipped['p2p-call-redis'] = 'signaling-server/index.ts missing';
  const want = (t: string) => !o.only?.length || o.only.includes(t);
  // One redis-server for the section, and only when a test that measures p2p-call-redis runs (not memory).
  let redis: RedisServer | undefined;
  if (!skipped['p2p-call-redis'] && ['saturated', 'latency', 'held'].some(want)) {
    try {
      redis = await startRedisServer();
    } catch (e) {
      skipped['p2p-call-redis'] = (e as Error).message;
    }
  }
  const kinds = all.filter((k) => !skipped[k]);
  const res: RelayResults = { runs, kinds, skipped, saturated: {}, fixedRate: {}, memory: {}, held: {}, errors: [], retries: [], settings: RELAY_SETTINGS };
  if (redis) {
    process.env.BENCH_REDIS_URL = redis.url; // for the p2p-call-redis children (spawn.ts passes its env on)
    helperPids.add(redis.pid);
  }
  try {
    await measure(res, want);
  } finally {
    delete process.env.BENCH_REDIS_URL;
    if (redis) helperPids.delete(redis.pid);
    await redis?.stop();
  }
  return res;
}

async function measure(res: RelayResults, want: (test: string) => boolean) {
  const { runs, kinds, skipped } = res;
  const rotate = <T>(xs: T[], r: number) => xs.map((_, i) => xs[(i + r) % xs.length]!);

  let deadline = Infinity;
  async function attempt<T>(what: string, fn: () => Promise<T>, push: (x: T) => void, show: (x: T) => string) {
    const t0 = Date.now();
    try {
      // Other sessions share this machine. A timed run during which other processes used
      // ≥ CONTENDED cores is run again (at most MAX_TRIES in all, and not past the test's deadline);
      // the calmest attempt is kept and, if still contended, marked so in results.json.
      const load = (y: T) => (y as { otherCores?: number }).otherCores ?? 0;
      let best: T | undefined;
      for (let i = 0; i < MAX_TRIES; i++) {
        await waitQuiet(CONTENDED, 5000);
        const x = await fn();
        if (best === undefined || load(x) < load(best)) best = x;
        if (load(x) < CONTENDED) break;
        res.retries.push(`${what}: other processes used ${load(x).toFixed(2)} cores`);
        console.log(`  ${what.padEnd(34)} ${show(x)}  [disturbed: others used ${load(x).toFixed(2)} cores]`);
        if (Date.now() > deadline) break;
      }
      const x = best!;
      if (load(x) >= CONTENDED) (x as { contended?: boolean }).contended = true;
      push(x);
      console.log(`  ${what.padEnd(34)} ${show(x)}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      const msg = `${what}: ${(e as Error).message}`;
      res.errors.push(msg);
      console.log(`  ${msg}`);
    }
  }
  const push = <K extends string, T>(rec: Partial<Record<K, OfRun<T>[]>>, k: K, run: number) => (x: T) => void (rec[k] ??= []).push({ ...x, run });

  if (want('saturated')) {
    deadline = Date.now() + TEST_BUDGET_MS;
    console.log(`relay (a) saturated forwarding: 100 pairs × 4 in flight, ${runs} runs`);
    for (let r = 0; r < runs; r++)
      for (const k of rotate(kinds, r))
        await attempt(`run ${r + 1} ${k}`, () => saturated(k, RELAY_SETTINGS.saturated), push(res.saturated, k, r), (x) =>
          `${Math.round(x.msgPerSec).toLocaleString('en-US')} msg/s  server CPU ${x.serverCpuPct.toFixed(0)}%  client CPU ${x.clientCpuPct.toFixed(0)}%  others ${x.otherCores.toFixed(2)} cores`,
        );
  }
  if (want('latency')) {
    deadline = Date.now() + TEST_BUDGET_MS;
    console.log(`relay (b) fixed rate: 1000 sockets, 2000 msg/s, ${runs} runs`);
    for (let r = 0; r < runs; r++)
      for (const k of rotate(kinds, r))
        await attempt(`run ${r + 1} ${k}`, () => fixedRate(k, RELAY_SETTINGS.fixedRate), push(res.fixedRate, k, r), (x) =>
          `p50 ${x.p50.toFixed(3)} ms  p99 ${x.p99.toFixed(3)} ms  max ${x.max.toFixed(1)} ms  ${x.received}/${x.sent} delivered  others ${x.otherCores.toFixed(2)} cores`,
        );
  }
  // 5000 sockets need ~5000 descriptors in the server child and as many in this process (the child
  // inherits this limit). Node cannot raise its own limit: run `ulimit -n 20000` first if it is low.
  const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || Infinity;
  const steps = RELAY_SETTINGS.memory.steps.filter((n) => n + 500 <= fdLimit);
  if (steps.length < RELAY_SETTINGS.memory.steps.length) {
    const msg = `open-file limit ${fdLimit} is too low for ${RELAY_SETTINGS.memory.steps.join('/')} sockets: only ${steps.join('/') || 'none'} measured (run \`ulimit -n 20000\` first)`;
    res.errors.push(msg);
    console.log(`  ${msg}`);
  }
  if (want('memory') && steps.length) {
    console.log(`relay (c) idle memory: RSS delta / N at ${steps.join(' and ')} joined sockets, ${runs} runs (open-file limit ${fdLimit})`);
    for (let r = 0; r < runs; r++)
      for (const k of rotate(kinds.filter((x) => x !== 'p2p-call-redis'), r))
        await attempt(`run ${r + 1} ${k}`, () => idleMemory(k, steps), push(res.memory, k, r), (x) =>
          x.points.map((p) => `${p.sockets}: ${(p.perConnBytes / 1024).toFixed(1)} KB/conn (${(p.perConnWithoutYoungBytes / 1024).toFixed(1)} without the young generation)`).join('  '),
        );
  }
  if (want('held') && !skipped['p2p-call']) {
    console.log(`relay (d) held offers: 1000 rooms, joins paced at 1000/s, ${runs} runs`);
    for (let r = 0; r < runs; r++)
      for (const k of rotate((['raw-held', 'p2p-call', 'p2p-call-redis'] as const).filter((x) => !skipped[x]), r))
        await attempt(`run ${r + 1} ${k}`, () => heldOffer(k, RELAY_SETTINGS.held), push(res.held, k, r), (x) =>
          `p50 ${x.p50.toFixed(3)} ms  p99 ${x.p99.toFixed(3)} ms  ${x.withOffer}/${x.joins} welcomes carried the offer`,
        );
  }
}
