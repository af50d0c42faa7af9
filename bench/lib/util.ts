/** Small helpers shared by the bench sections: stats, tables, timing, machine facts. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH = fileURLToPath(new URL('../', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Reject after `ms` so that no phase of the bench can hang. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** Nearest-rank percentile of unsorted numbers (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}
export const median = (xs: readonly number[]) => percentile(xs, 50);

export function fmt(x: number | undefined | null, digits = 0): string {
  if (x === undefined || x === null || Number.isNaN(x)) return 'n/a';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
export const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`;

export interface Table {
  title: string;
  head: string[];
  rows: string[][];
  notes?: string[];
}

/** Plain-text table for the terminal. */
export function renderText(t: Table): string {
  const all = [t.head, ...t.rows];
  const w = t.head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ');
  const out = [`\n## ${t.title}`, line(t.head), w.map((n) => '-'.repeat(n)).join('  '), ...t.rows.map(line)];
  for (const n of t.notes ?? []) out.push(`  ${n}`);
  return out.join('\n');
}

/** GitHub-flavoured Markdown table. */
export function renderMarkdown(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [
    `### ${t.title}`,
    '',
    `| ${t.head.map(esc).join(' | ')} |`,
    `| ${t.head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

function tryRun(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    /* not Linux */
  }
  const chromium = tryRun('/usr/lib/chromium/chromium', ['--version']) ?? tryRun('/usr/bin/chromium', ['--version']);
  return {
    nproc: os.availableParallelism(),
    cpu,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium: chromium ?? 'not found',
    fdLimit: tryRun('sh', ['-c', 'ulimit -n']) ?? 'unknown',
    date: new Date().toISOString(),
  };
}

let clkTck: number | undefined;
/** Busy CPU-seconds of the whole machine so far (all cores), from /proc/stat; undefined off Linux. */
export function machineBusySeconds(): number | undefined {
  try {
    clkTck ??= Number(tryRun('getconf', ['CLK_TCK']) ?? 100) || 100;
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return (user + nice + system + irq + softirq + steal) / clkTck;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the whole machine has been calm for one window (busy below `cores` over `windowMs`),
 * or `maxMs` has passed; resolves with the busy cores of the last window (NaN off Linux, after one window).
 */
export async function untilCalm(cores: number, windowMs = 200, maxMs = 5000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const before = machineBusySeconds();
    await sleep(windowMs);
    const after = machineBusySeconds();
    const busy = before === undefined || after === undefined ? NaN : ((after - before) * 1000) / windowMs;
    if (!(busy >= cores) || performance.now() - start >= maxMs) return busy;
  }
}

/** CPU-seconds (user + system) used so far by process `pid`, from /proc/PID/stat; undefined if gone or off Linux. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    clkTck ??= Number(tryRun('getconf', ['CLK_TCK']) ?? 100) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ", utime and stime are fields 14 and 15 of the line.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clkTck;
  } catch {
    return undefined;
  }
}
