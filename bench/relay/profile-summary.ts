/**
 * Summarise a V8 .cpuprofile (from BENCH_CPU_PROF=<kind> npm run bench -- relay --only saturated):
 * self time by function and by source file, as % of the sampled (non-idle) time.
 *
 *   node --import tsx bench/relay/profile-summary.ts bench/.tmp/prof/CPU.*.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
let total = 0;
const fn = new Map<string, number>();
const byFile = new Map<string, number>();
const short = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|signaling-server|src)\//, '$1/').replace(/^node:/, 'node:');
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const name = n.callFrame.functionName || '(anonymous)';
  if (name === '(idle)') continue;
  total += t;
  const key = `${name}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + t);
  const f = idle.has(name) ? name : short(n.callFrame.url) || '(native)';
  byFile.set(f, (byFile.get(f) ?? 0) + t);
}
const top = Number(topArg ?? 25);
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log(`non-idle samples: ${(total / 1000).toFixed(0)} ms`);
console.log('\nself time by function:');
for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log('\nself time by file:');
for (const [k, t] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
