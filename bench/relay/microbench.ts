/**
 * Per-frame cost of each step p2p-call's relay adds on top of a raw forwarder, for one ~1 KB
 * `description` frame (the saturated test's frame), measured in isolation in this process:
 *
 *   node --import tsx bench/relay/microbench.ts
 *
 * Compare the sum with the per-frame budget seen in the saturated test (1e9 / msg-per-server-CPU-s).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ROOT } from '../lib/util.js';
import { sdpJson } from './adapters.js';

const imp = (f: string) => import(pathToFileURL(join(ROOT, 'signaling-server', f)).href);
const { parse, validate } = await imp('validate.ts');
const { fromPrefix, withFrom } = await imp('frame.ts');

const frame = Buffer.from(`{"type":"description","to":"bpeer17","description":{"type":"offer","sdp":${sdpJson('apeer17', 0)}}}`);
const prefix: Buffer = fromPrefix('apeer17');
const str = frame.toString();
const obj = JSON.parse(str);
let sink: unknown;

function time(name: string, fn: () => unknown, n = 200_000): number {
  for (let i = 0; i < 20_000; i++) sink = fn(); // warm up (JIT)
  const best: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink = fn();
    best.push(((performance.now() - t0) * 1e6) / n);
  }
  const ns = Math.min(...best);
  console.log(`${ns.toFixed(0).padStart(6)} ns  ${name}`);
  return ns;
}

console.log(`frame: ${frame.length} bytes`);
const steps = {
  'frame.toString() (UTF-8 decode)': time('frame.toString()  (UTF-8 decode)', () => frame.toString()),
  'JSON.parse of the string': time('JSON.parse(string)', () => JSON.parse(str)),
  'parse(): toString + JSON.parse + checks': time('parse(frame)  (validate.ts: size, toString, JSON.parse, object check)', () => parse(frame, false, 65536)),
  'validate(): compiled TypeBox Check': time('validate(obj)  (validate.ts: compiled TypeBox schema for "description")', () => validate(obj)),
  'withFrom(): splice "from" (Buffer.concat)': time('withFrom(prefix, frame)  (frame.ts: Buffer.concat copy)', () => withFrom(prefix, frame)),
};
const total = time('parse + validate + withFrom (the relay-specific work per forwarded frame)', () => withFrom(prefix, (validate(parse(frame, false, 65536)), frame)));
void steps;
void total;
void sink;
