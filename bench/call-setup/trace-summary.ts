/**
 * Reads what `npm run bench -- call-setup --chrome-trace` wrote for one repetition
 * (bench/.tmp/chrome-trace-VARIANT-REP.json and .cpuprofile) and prints, in ms after the
 * joiner's t0 (the `t0` performance mark of pages/common.js):
 *
 *   tasks     every renderer main thread's tasks over 0.3 ms, with what ran inside them
 *             (style, layout, event handlers): who kept the main thread busy, and when;
 *   webrtc    the first time each libwebrtc step happened on each page (descriptions set,
 *             transport writable, encoder paused, first encode and decode): where the call waits;
 *   encoder   on the host's page: when its video send stream was set up and its transport became
 *             writable, the camera frames from then to the first encode, and whether the frame
 *             encoded was the first after both the first frame (spent on configuring the encoder)
 *             and writable;
 *   profile   JS self and total time by function in a window (the joiner's sampled profile;
 *             build the element with build-variant.ts --readable for real names);
 *   compile   V8's compiling of functions on each page's main thread in a window: lazy
 *             compilation the page pays for inside the call setup (see COMPILE_HINT in
 *             scripts/drop-in-config.mjs).
 *
 *   node --import tsx bench/call-setup/trace-summary.ts tasks   bench/.tmp/chrome-trace-p2p_call-3.json [untilMs]
 *   node --import tsx bench/call-setup/trace-summary.ts webrtc  bench/.tmp/chrome-trace-p2p_call-3.json
 *   node --import tsx bench/call-setup/trace-summary.ts encoder bench/.tmp/chrome-trace-p2p_call-3.json
 *   node --import tsx bench/call-setup/trace-summary.ts profile bench/.tmp/chrome-trace-p2p_call-3.json [fromMs] [toMs]
 *   node --import tsx bench/call-setup/trace-summary.ts compile bench/.tmp/chrome-trace-p2p_call-3.json [fromMs] [toMs]
 */
import { readFileSync } from 'node:fs';

interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { functionName?: string; type?: string } };
}

const [mode, file, a, b] = process.argv.slice(2);
if (!mode || !file) throw new Error('usage: trace-summary.ts tasks|webrtc|encoder|profile|compile TRACE.json [from/until ms] [to ms]');
const loaded = JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[] | { traceEvents: TraceEvent[] };
const events = Array.isArray(loaded) ? loaded : loaded.traceEvents;
const t0Event = events.find((e) => e.name === 't0' && e.cat?.includes('user_timing'));
if (!t0Event) throw new Error(`${file}: no t0 mark (was it recorded with --chrome-trace?)`);
const t0 = t0Event.ts;
const ms = (ts: number) => ((ts - t0) / 1000).toFixed(1).padStart(7);
const page = (pid: number) => (pid === t0Event.pid ? 'B' : `pid ${pid}`);

if (mode === 'tasks') {
  const until = t0 + Number(a ?? 200) * 1000;
  const mains = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  for (const main of mains) {
    const own = events
      .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.ts + (e.dur ?? 0) >= t0 && e.ts <= until)
      .sort((x, y) => x.ts - y.ts);
    const tasks = own.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
    const busy = tasks.reduce((sum, t) => sum + (t.dur ?? 0), 0) / 1000;
    if (busy < 2) continue;
    console.log(`--- ${page(main.pid)} main thread: busy ${busy.toFixed(1)} ms`);
    for (const task of tasks.filter((t) => (t.dur ?? 0) >= 300)) {
      const end = task.ts + (task.dur ?? 0);
      const inside = own
        .filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end && (e.dur ?? 0) >= 300 && e.name !== 'RunTask')
        .slice(0, 8)
        .map((e) => {
          const what = e.args?.data?.functionName || e.args?.data?.type;
          return `${e.name}${what ? `(${what})` : ''} ${((e.dur ?? 0) / 1000).toFixed(1)}`;
        });
      console.log(`${ms(task.ts)} +${((task.dur ?? 0) / 1000).toFixed(1).padStart(5)}  ${inside.join(' | ')}`);
    }
  }
} else if (mode === 'webrtc') {
  const steps =
    /^(SetRemoteDescription|SetLocalDescription|SdpOfferAnswerHandler::(EnableSending|AddIceCandidate)|Call::CreateVideoSendStream|BaseChannel::ChannelWritable_n|OnKeyFrameRequest|WebRtcVideoTrackSource::DeliverFrame|EncoderPaused|VideoEncoder::Encode|VCMGenericDecoder::Decode)$/;
  const first = new Map<string, number>();
  for (const e of events) {
    if (!e.cat?.includes('webrtc') || !steps.test(e.name) || e.ts < t0 - 50_000) continue;
    const key = `${page(e.pid)}  ${e.name}`;
    if (!first.has(key)) first.set(key, e.ts);
  }
  for (const [key, ts] of [...first].sort((x, y) => x[1] - y[1])) console.log(`${ms(ts)}  ${key}`);
} else if (mode === 'encoder') {
  // The joiner's remote video starts at the host's first encode. Which camera frame was it?
  const after = t0 - 50_000;
  const firstOn = (pid: number, name: string) =>
    events.filter((e) => e.pid === pid && e.name === name && e.ts >= after).reduce((m, e) => Math.min(m, e.ts), Infinity);
  const senderPid = events.find((e) => e.name === 'Call::CreateVideoSendStream' && e.pid !== t0Event.pid && e.ts >= after)?.pid;
  if (senderPid === undefined) throw new Error(`${file}: no send stream on the host's page`);
  const sendStream = firstOn(senderPid, 'Call::CreateVideoSendStream');
  const writable = firstOn(senderPid, 'BaseChannel::ChannelWritable_n');
  const encoded = firstOn(senderPid, 'VideoEncoder::Encode');
  const frames = events
    .filter((e) => e.pid === senderPid && e.name === 'WebRtcVideoTrackSource::DeliverFrame' && e.ts > sendStream && e.ts <= encoded)
    .map((e) => e.ts)
    .sort((x, y) => x - y);
  if (!frames.length) throw new Error(`${file}: no camera frame reached the host's send stream before its first encode`);
  const firstAfterBoth = frames.find((ts) => ts > Math.max(frames[0]!, writable));
  console.log(
    `host send stream ${ms(sendStream)}  writable ${ms(writable)} (${((writable - sendStream) / 1000).toFixed(1)} ms later)` +
      `  camera frames until the first encode ${frames.map(ms).join(',')}  encode ${ms(encoded)}` +
      `  = the first frame after both the first one and writable: ${firstAfterBoth === frames.at(-1) ? 'yes' : 'no'}`,
  );
} else if (mode === 'profile') {
  const from = t0 + Number(a ?? 0) * 1000;
  const to = t0 + Number(b ?? 200) * 1000;
  interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
  const profile = JSON.parse(readFileSync(file.replace(/\.json$/, '.cpuprofile'), 'utf8')) as {
    nodes: Node[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const label = ({ callFrame: f }: Node) => `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let ts = profile.startTime; // the profiler and the trace share one clock
  profile.samples.forEach((sample, i) => {
    ts += profile.timeDeltas[i]!;
    if (ts < from || ts > to) return;
    const weight = (profile.timeDeltas[i + 1] ?? 100) / 1000;
    add(self, label(byId.get(sample)!), weight);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parentOf.get(id)) seen.add(label(byId.get(id)!));
    for (const k of seen) add(total, k, weight);
  });
  const top = (m: Map<string, number>) =>
    [...m].sort((x, y) => y[1] - x[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(2).padStart(7)}  ${k}`).join('\n');
  console.log(`--- self ms\n${top(self)}\n--- total ms\n${top(total)}`);
} else if (mode === 'compile') {
  const from = t0 + Number(a ?? 0) * 1000;
  const to = t0 + Number(b ?? 400) * 1000;
  const mains = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  for (const main of mains) {
    // V8.CompileCode is the outermost event of one function's compilation (parse included).
    const compiles = events.filter(
      (e) => e.pid === main.pid && e.tid === main.tid && e.name === 'V8.CompileCode' && e.ts >= from && e.ts <= to,
    );
    const total = compiles.reduce((sum, e) => sum + (e.dur ?? 0), 0) / 1000;
    console.log(`${page(main.pid).padEnd(9)} main thread: ${compiles.length} functions compiled, ${total.toFixed(1)} ms`);
  }
} else {
  throw new Error(`unknown mode "${mode}" (tasks | webrtc | encoder | profile | compile)`);
}
