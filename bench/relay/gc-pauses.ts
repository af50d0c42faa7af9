/**
 * GC pauses in a latency run's window (relay (b)), for the load client and the server alike: how
 * many, the longest, and which kind of collection that was.
 */
import { constants } from 'node:perf_hooks';

/** Count and longest (ms) of the GC pauses in a window, and which kind of collection the longest was. */
export interface GcPauses {
  count: number;
  maxMs: number;
  /** Absent from results before 2026-12-05 afternoon. */
  longestKind?: string;
}

export interface GcPause {
  startTime: number;
  duration: number;
  /** perf_hooks' `detail.kind`: a NODE_PERFORMANCE_GC_* constant. */
  kind?: number;
}

const GC_KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** The GC pauses that overlap [from, to) (performance.now() ms). */
export function pausesIn(pauses: GcPause[], from: number, to: number): GcPauses {
  const inWindow = pauses.filter((p) => p.startTime + p.duration > from && p.startTime < to);
  const longest = inWindow.reduce<GcPause | undefined>((a, p) => (a && a.duration >= p.duration ? a : p), undefined);
  return {
    count: inWindow.length,
    maxMs: longest?.duration ?? 0,
    longestKind: longest?.kind === undefined ? undefined : (GC_KIND[longest.kind] ?? `kind ${longest.kind}`),
  };
}

/** perf_hooks' kind of collection of a `gc` performance entry. */
export const gcKind = (e: PerformanceEntry): number | undefined => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
