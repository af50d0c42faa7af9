/**
 * CPU time the browser spends on a call's setup, by kind of work: every Chromium process's threads,
 * read from /proc/PID/task/TID/schedstat (ns on CPU, unlike the 10 ms ticks of /proc/PID/stat).
 *
 * Why: on these 2-core machines the browser uses more than both cores between join and first frame,
 * so the wall-clock time is mostly how much work there is, and it scatters by ±20–40 ms a run. The
 * work itself scatters far less, and the thread names say whose it is: page scripts and layout,
 * tile raster, compositing, audio, WebRTC and codecs. (Seen 2026-12-04: p2p-call's full-width UI
 * rasterised ~25 tiles of 256×256 twice during setup, ~60 ms of CPU; the floor draws one 160 px video.)
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Thread groups, first match wins; keys are "process type/thread name" (thread names end-trimmed of digits). */
const GROUPS: [string, RegExp][] = [
  ['page main threads', /^renderer\/chromium$/], // a renderer's main thread carries the process name
  ['raster + V8 workers', /^renderer\/ThreadPoolForeg/], // cc tile raster, V8 background compile and GC
  ['compositing', /^gpu-process\/|^renderer\/(Compositor|VideoFrameCompo)/],
  ['audio', /Audio|^utility:audio\//],
  ['WebRTC + codecs', /^renderer\/(WebRTC|ThreadPoolPrese|Media)/], // ThreadPoolPresentationWorker runs the video encoder and decoder
  ['browser, network, IPC', /./],
];
export const CPU_GROUPS = GROUPS.map(([name]) => name);

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // a process or thread that ended meanwhile
  }
};

/** One reading of the browser's CPU time: ns on CPU so far, per "process type/thread name". */
export interface BrowserCpu {
  /** Summed over all Chromium processes. */
  all: Map<string, number>;
  /** Summed over the processes pinned to the asked-for core alone (call-setup --split: one browser per core). */
  onCore: Map<string, number>;
}

/** Reads every Chromium thread once, into both sums, so that the two are taken at the same moment. */
export function browserCpu(core?: number): BrowserCpu {
  const reading: BrowserCpu = { all: new Map(), onCore: new Map() };
  const add = (sums: Map<string, number>, key: string, ns: number) => sums.set(key, (sums.get(key) ?? 0) + ns);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const cmd = read(`/proc/${pid}/cmdline`);
    if (!cmd?.includes('chromium')) continue;
    const onCore = core !== undefined && /Cpus_allowed_list:\s*(\S+)/.exec(read(`/proc/${pid}/status`) ?? '')?.[1] === String(core);
    const sub = /--utility-sub-type=(\w+)/.exec(cmd)?.[1];
    const type = (/--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser') + (sub ? `:${sub}` : '');
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      const ns = Number(read(`/proc/${pid}/task/${tid}/schedstat`)?.split(' ')[0]);
      const name = read(`/proc/${pid}/task/${tid}/comm`)?.trim().replace(/\d+$/, '');
      if (!Number.isFinite(ns) || name === undefined) continue;
      const key = `${type}/${name}`;
      add(reading.all, key, ns);
      if (onCore) add(reading.onCore, key, ns);
    }
  }
  return reading;
}

/** ms of CPU per group between two readings (threads that started in between count from zero). */
export function cpuByGroup(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out = Object.fromEntries(CPU_GROUPS.map((g) => [g, 0]));
  for (const [key, ns] of after) {
    const group = GROUPS.find(([, re]) => re.test(key))![0];
    out[group] += Math.max(0, ns - (before.get(key) ?? 0)) / 1e6;
  }
  for (const g of CPU_GROUPS) out[g] = +out[g]!.toFixed(1);
  return out;
}
