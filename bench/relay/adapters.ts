/**
 * How the load client speaks to each server: connect, "join" a pair, and the frame that carries an
 * SDP-sized payload to the partner. Every frame mirrors what that project's own client really sends.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { ServerKind } from './spawn.js';
import { withTimeout } from '../lib/util.js';

export interface Side {
  ws: WebSocket;
  id: string;
  partnerId: string;
  /** y-webrtc: the topic both sides of the pair subscribe to. */
  topic: string;
}

export interface Adapter {
  kind: ServerKind;
  label: string;
  /** Open both sockets of pair `p` and return them ready to send to each other. */
  openPair(url: string, tag: string, p: number): Promise<[Side, Side]>;
  /** The frame that carries `sdpJson` (an already JSON-quoted string) from `s` to its partner. */
  frame(s: Side, sdpJson: string): string;
}

const CONNECT_MS = 15_000;

/**
 * Client options: no compression, no UTF-8 re-validation, and an all-zero mask so that the client
 * skips XOR-masking what it sends (ws then sends the payload as is). That keeps the load client cheap
 * on a 2-core box; the servers still do their full unmasking work.
 */
export function connect(url: string): Promise<WebSocket> {
  return connectWith(url).then(([ws]) => ws);
}

/**
 * Connect and, from before the socket opens, wait for the first frame that satisfies `pred`
 * (a server may greet in the same packet as its handshake reply, before `open` listeners run).
 */
export async function connectWith(url: string, pred?: (m: any) => boolean, what = url): Promise<[WebSocket, Promise<any>]> {
  const ws = new WebSocket(url, {
    perMessageDeflate: false,
    skipUTF8Validation: true,
    generateMask: (mask: Buffer) => void mask.fill(0),
  });
  const first = pred ? nextFrame(ws, pred, what) : Promise.resolve(undefined);
  first.catch(() => {});
  await withTimeout(
    new Promise<WebSocket>((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    }),
    CONNECT_MS,
    `connect ${url}`,
  ).catch((e) => {
    ws.terminate();
    throw e;
  });
  return [ws, first];
}

/** Resolve with the first frame (parsed) that satisfies `pred`. */
export function nextFrame(ws: WebSocket, pred: (m: any) => boolean, what: string): Promise<any> {
  let onMsg: (d: Buffer) => void;
  return withTimeout(
    new Promise<any>((resolve) => {
      onMsg = (d: Buffer) => {
        let m: any;
        try {
          m = JSON.parse(String(d));
        } catch {
          return;
        }
        if (m?.type === 'error') console.error(`  [${what}] server error: ${String(d).slice(0, 200)}`);
        if (pred(m)) resolve(m);
      };
      ws.on('message', onMsg);
    }),
    CONNECT_MS,
    what,
  ).finally(() => ws.off('message', onMsg));
}

const ids = (tag: string, p: number) => [`a${tag}x${p}`, `b${tag}x${p}`] as const;
const sides = (wa: WebSocket, wb: WebSocket, a: string, b: string, topic: string): [Side, Side] => [
  { ws: wa, id: a, partnerId: b, topic },
  { ws: wb, id: b, partnerId: a, topic },
];

const p2pCall: Adapter = {
  kind: 'p2p-call',
  label: 'p2p-call relay',
  async openPair(url, tag, p) {
    const [a, b] = ids(tag, p);
    const room = `r${tag}x${p}`;
    const [wa, wb] = await Promise.all([connect(url), connect(url)]);
    const welcomeA = nextFrame(wa, (m) => m.type === 'welcome', 'p2p-call welcome A');
    // With a secret, as the element joins: the relay keeps it with the member.
    wa.send(JSON.stringify({ type: 'join', room, peer: a, secret: randomUUID() }));
    await welcomeA;
    const joined = nextFrame(wa, (m) => m.type === 'peer-joined' && m.peer === b, 'p2p-call peer-joined');
    const welcomeB = nextFrame(wb, (m) => m.type === 'welcome', 'p2p-call welcome B');
    wb.send(JSON.stringify({ type: 'join', room, peer: b, secret: randomUUID() }));
    await Promise.all([joined, welcomeB]);
    return sides(wa, wb, a, b, room);
  },
  frame: (s, sdp) => `{"type":"description","to":"${s.partnerId}","description":{"type":"offer","sdp":${sdp}}}`,
};

export const adapters: Record<'raw' | 'p2p-call' | 'p2p-call-redis' | 'y-webrtc' | 'peerjs', Adapter> = {
  raw: {
    kind: 'raw',
    label: 'raw ws forwarder (floor)',
    async openPair(url, tag, p) {
      const [a, b] = ids(tag, p);
      const path = `${url}/?pair=${tag}x${p}`;
      const paired = (m: any) => m.type === 'paired';
      const [wa, pa] = await connectWith(path, paired, 'raw paired');
      const [wb, pb] = await connectWith(path, paired, 'raw paired');
      await Promise.all([pa, pb]);
      return sides(wa, wb, a, b, '');
    },
    // The floor forwards the very bytes p2p-call's relay gets, so the sizes match.
    frame: (s, sdp) => `{"type":"description","to":"${s.partnerId}","description":{"type":"offer","sdp":${sdp}}}`,
  },
  'p2p-call': p2pCall,
  // Same protocol; only the relay's room store differs.
  'p2p-call-redis': { ...p2pCall, kind: 'p2p-call-redis', label: 'p2p-call relay, rooms in Redis (+ redis-server)' },
  'y-webrtc': {
    kind: 'y-webrtc',
    label: 'y-webrtc signaling',
    async openPair(url, tag, p) {
      const [a, b] = ids(tag, p);
      const topic = `t${tag}x${p}`;
      const [wa, wb] = await Promise.all([connect(url), connect(url)]);
      // subscribe has no reply; a ping after it proves it was processed (frames are handled in order).
      const ready = (ws: WebSocket) => {
        const pong = nextFrame(ws, (m) => m.type === 'pong', 'y-webrtc pong');
        ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
        ws.send('{"type":"ping"}');
        return pong;
      };
      await Promise.all([ready(wa), ready(wb)]);
      return sides(wa, wb, a, b, topic);
    },
    // What y-webrtc's client publishes: {type:'publish', topic, data:{type:'signal', from, to, signal}}.
    // The server sends it to EVERY subscriber of the topic, the sender included (the client drops the echo).
    frame: (s, sdp) =>
      `{"type":"publish","topic":"${s.topic}","data":{"type":"signal","from":"${s.id}","to":"${s.partnerId}","signal":{"type":"offer","sdp":${sdp}}}}`,
  },
  peerjs: {
    kind: 'peerjs',
    label: 'PeerJS server (peer)',
    async openPair(url, tag, p) {
      const [a, b] = ids(tag, p);
      const open = async (id: string) => {
        const [ws, opened] = await connectWith(`${url}/peerjs?key=peerjs&id=${id}&token=tk${id}`, (m) => m.type === 'OPEN', 'peerjs OPEN');
        await opened;
        return ws;
      };
      const [wa, wb] = await Promise.all([open(a), open(b)]);
      return sides(wa, wb, a, b, '');
    },
    // What the peerjs client sends for a media call's offer.
    frame: (s, sdp) =>
      `{"type":"OFFER","dst":"${s.partnerId}","payload":{"sdp":{"type":"offer","sdp":${sdp}},"type":"media","connectionId":"mc_${s.id}","metadata":null}}`,
  },
};

/** Open `pairs` pairs, `concurrency` at a time. */
export async function openPairs(ad: Adapter, url: string, tag: string, pairs: number, concurrency = 50): Promise<[Side, Side][]> {
  const out: [Side, Side][] = new Array(pairs);
  let next = 0;
  const worker = async () => {
    while (next < pairs) {
      const p = next++;
      out[p] = await ad.openPair(url, tag, p);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pairs) }, worker));
  return out;
}

export function closeAll(pairs: [Side, Side][]) {
  for (const pr of pairs) for (const s of pr ?? []) s?.ws.terminate();
}

/**
 * A realistic ~1 KB offer SDP (video + audio, one host candidate), with a marker line carrying the
 * sender id and a send timestamp: `a=x-bench:src=<id>;ts=<ms>;`. Returned JSON-quoted.
 */
export function sdpJson(src: string, ts: number, targetBytes = 1000): string {
  const lines = [
    'v=0',
    `o=- 4611731400430051336 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=x-bench:src=${src};ts=${ts.toFixed(3)};`,
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00',
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack pli',
  ];
  let s = lines.join('\r\n') + '\r\n';
  while (s.length < targetBytes - 30) s += 'a=x-pad:' + 'p'.repeat(Math.min(60, targetBytes - 30 - s.length)) + '\r\n';
  return JSON.stringify(s);
}
