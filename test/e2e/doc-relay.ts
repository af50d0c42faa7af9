/**
 * A signaling relay written from docs/protocol.md ALONE, by someone who did not
 * read signaling-server/ or src/ (and imports nothing from them).
 *
 * It exists to test the promise "any endpoint that speaks the documented
 * protocol must work as `server`": doc-relay.test.ts makes a real call between
 * two <p2p-call> elements through it. It does what the page asks of a relay for
 * a call (rooms, ids, takeover, forwarding with `from`, held offers and their
 * candidates, leave/peer-left, heartbeat, error replies) and none of the
 * optional parts (authorize, ice-servers, join in the URL, Redis, rate limits).
 * `events` records what it did, so a test can check which path a call took;
 * DOC_RELAY_TRACE=1 prints every connection URL and frame received to stderr.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

const MAX_MESSAGE_BYTES = 65536;
const MAX_PEERS_PER_ROOM = 6;
const MAX_HELD_CANDIDATES = 64;
const MAX_HELD_BYTES = 65536;
const MAX_BUFFERED_BYTES = 1 << 20;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

type Json = Record<string, unknown>;
interface Held { offerId: string; sdp: string; candidates: unknown[]; bytes: number } // bytes: as MAX_HELD_BYTES counts them
interface Member {
  ws: WebSocket; room: string; peer: string; secret?: string; name?: string; status: Json;
  held?: Held; // my untaken held offer
  routes: Map<string, string>; // my taken offers: offerId -> taker
}
export interface DocRelay {
  url: string;
  /** e.g. "held-offer a1 alice->bob", "forward description/answer bob->alice offerId=a1", "peer-left bob left" */
  events: string[];
  close(): Promise<void>;
}

class Refused extends Error { constructor(readonly code: string, message: string) { super(message); } }
const bad = (message: string) => new Refused('bad-message', message);

// ---- "Messages are strict": the schema, as far as the page gives it -------------------------
const str = (v: unknown, min: number, max: number) => typeof v === 'string' && v.length >= min && v.length <= max;
/** The page's "text": a string with no half of a surrogate pair (in a /u regex, a lone half is a code point of Cs). */
const text = (v: unknown, min: number, max: number) => str(v, min, max) && !/\p{Cs}/u.test(v as string);
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
function fields(m: Json, path: string, spec: Record<string, [required: boolean, ok: (v: unknown) => boolean]>): void {
  for (const key of Object.keys(m)) if (!(key in spec)) throw bad(`${path}: field "${key}": Unexpected property`);
  for (const [key, [required, ok]] of Object.entries(spec)) {
    if (!(key in m)) { if (required) throw bad(`${path}: field "${key}": Expected required property`); continue; }
    if (!ok(m[key])) throw bad(`${path}: field "${key}": wrong type or value`);
  }
}
const id = (v: unknown) => typeof v === 'string' && ID.test(v);
const bool = (v: unknown) => typeof v === 'boolean';
const orNull = (ok: (v: unknown) => boolean) => (v: unknown) => v === null || ok(v);
const status = (where: string) => (v: unknown) => {
  if (!isObj(v)) return false;
  fields(v, where, { audio: [false, bool], video: [false, bool], screen: [false, bool], name: [false, (n) => text(n, 0, 64)] });
  return true;
};
const iceCandidate = (v: unknown) => { // RTCIceCandidateInit, or null
  if (v === null) return true;
  if (!isObj(v)) return false;
  fields(v, 'candidate.candidate', {
    candidate: [true, (c) => str(c, 0, 4096)], sdpMid: [false, orNull((s) => str(s, 0, 64))],
    sdpMLineIndex: [false, orNull((n) => Number.isInteger(n) && (n as number) >= 0)], usernameFragment: [false, orNull((s) => str(s, 0, 256))],
  });
  return true;
};
const sessionDescription = (v: unknown) => {
  if (!isObj(v)) return false;
  fields(v, 'description.description', { type: [true, (t) => ['offer', 'answer', 'pranswer', 'rollback'].includes(t as string)], sdp: [false, (s) => str(s, 0, MAX_MESSAGE_BYTES)] });
  return true;
};
const SCHEMAS: Record<string, Record<string, [boolean, (v: unknown) => boolean]>> = {
  join: { room: [true, (v) => text(v, 1, 128)], peer: [false, id], secret: [false, (v) => id(v) && str(v, 16, 64)], name: [false, (v) => text(v, 0, 64)], maxPeers: [false, (v) => Number.isInteger(v) && (v as number) >= 2 && (v as number) <= 64], status: [false, status('join.status')] },
  offer: { offerId: [true, id], sdp: [true, (v) => str(v, 1, MAX_MESSAGE_BYTES)] },
  candidate: { to: [false, id], offerId: [false, id], candidate: [true, iceCandidate] },
  description: { to: [true, id], offerId: [false, id], description: [true, sessionDescription] },
  status: { status: [true, status('status.status')] },
  leave: {}, ping: {},
};

// ---- the relay ------------------------------------------------------------------------------
export async function startDocRelay({ heartbeatMs = 5000 } = {}): Promise<DocRelay> {
  const rooms = new Map<string, Map<string, Member>>(); // a Map keeps join order
  const members = new Map<WebSocket, Member>();
  const events: string[] = [];
  const send = (ws: WebSocket, data: Json | string) => {
    ws.send(typeof data === 'string' ? data : JSON.stringify(data));
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate(); // stopped reading: dropped, as by the heartbeat
  };
  // "the sender's own frame with "from":"<sender id>", inserted right after the opening {"
  const forward = (from: Member, to: Member, raw: string, what: string) => {
    const brace = raw.indexOf('{');
    send(to.ws, `${raw.slice(0, brace + 1)}"from":${JSON.stringify(from.peer)},${raw.slice(brace + 1)}`);
    events.push(`forward ${what} ${from.peer}->${to.peer}`);
  };

  /** Out of the room: a leave, a close, a heartbeat failure, or (reason null) a takeover. */
  function remove(m: Member, reason: 'left' | 'lost' | null): void {
    members.delete(m.ws);
    const room = rooms.get(m.room)!;
    room.delete(m.peer);
    if (room.size === 0) rooms.delete(m.room);
    for (const other of room.values()) { // routes for offers m had taken are forgotten too
      for (const [offerId, taker] of other.routes) if (taker === m.peer) other.routes.delete(offerId);
      if (reason) send(other.ws, { type: 'peer-left', peer: m.peer, reason });
    }
    events.push(`${reason ? 'peer-left' : 'replaced'} ${m.peer}${reason ? ' ' + reason : ''}`);
  }

  function join(ws: WebSocket, msg: Json): void {
    const current = members.get(ws);
    const roomName = msg.room as string;
    const peer = (msg.peer as string | undefined) ?? randomUUID();
    if (current && current.room === roomName && current.peer === msg.peer) return; // the same membership: ignored
    if (current) throw new Refused('already-joined', `already in room "${current.room}"; leave first`);
    const room = rooms.get(roomName) ?? new Map<string, Member>();
    const previous = room.get(peer);
    if (previous && (previous.secret === undefined || previous.secret !== msg.secret)) {
      throw new Refused('peer-taken', `peer id "${peer}" is in room "${roomName}" on another connection, which joined with another secret`);
    }
    const cap = Math.min(MAX_PEERS_PER_ROOM, (msg.maxPeers as number | undefined) ?? Infinity);
    if (room.size - (previous ? 1 : 0) >= cap) throw new Refused('room-full', `room "${roomName}" is full (${cap} peers)`);
    if (previous) { // takeover: no peer-left, and everything it had is forgotten
      remove(previous, null);
      previous.ws.close(4001, 'replaced');
    }
    const me: Member = { ws, room: roomName, peer, secret: msg.secret as string | undefined, status: { ...((msg.status as Json | undefined) ?? {}) }, routes: new Map() };
    if (typeof msg.name === 'string') me.name = msg.name;
    const offers: Json[] = [];
    const peers: Json[] = [];
    rooms.set(roomName, room);
    for (const other of room.values()) {
      peers.push({ peer: other.peer, ...(other.name !== undefined && { name: other.name }), status: other.status });
      const taken = other.held;
      if (taken) {
        other.held = undefined;
        other.routes.set(taken.offerId, peer);
        offers.push({ from: other.peer, offerId: taken.offerId, sdp: taken.sdp, candidates: taken.candidates });
        events.push(`held-offer ${taken.offerId} ${other.peer}->${peer} (${taken.candidates.length} candidates)`);
      }
      // peer-joined goes out before the joiner's welcome.
      send(other.ws, { type: 'peer-joined', peer, ...(me.name !== undefined && { name: me.name }), status: me.status, ...(taken && { offerId: taken.offerId }) });
    }
    room.set(peer, me);
    members.set(ws, me);
    events.push(`join ${peer} ${roomName}`);
    send(ws, { type: 'welcome', protocol: 1, room: roomName, peer, peers, offers });
  }

  function handle(ws: WebSocket, raw: string, msg: Json): void {
    if (typeof msg.type !== 'string' || !(msg.type in SCHEMAS)) throw bad(`"type" must be one of: ${Object.keys(SCHEMAS).join(', ')}`);
    const { type, ...rest } = msg;
    fields(rest, type, SCHEMAS[type]!);
    if (type === 'ping') return send(ws, { type: 'pong' });
    if (type === 'join') return join(ws, msg);
    const me = members.get(ws);
    if (!me) throw new Refused('not-joined', `join a room before sending "${type}"`);
    const room = rooms.get(me.room)!;
    const peerTo = (to: unknown) => {
      const target = to === me.peer ? undefined : room.get(to as string);
      if (!target) throw new Refused('unknown-peer', `no other peer "${String(to)}" in room "${me.room}"`);
      return target;
    };
    switch (type) {
      case 'offer':
        me.held = { offerId: msg.offerId as string, sdp: msg.sdp as string, candidates: [], bytes: Buffer.byteLength(msg.sdp as string) };
        return void events.push(`hold ${me.peer} ${me.held.offerId}`);
      case 'candidate': {
        if (('to' in msg) === ('offerId' in msg)) throw bad('candidate: exactly one of "to" or "offerId"');
        if ('to' in msg) return forward(me, peerTo(msg.to), raw, 'candidate');
        const offerId = msg.offerId as string;
        if (me.held?.offerId === offerId) {
          // "it and its candidates take at most 65 536 bytes together: the sdp plus each candidate as JSON, in UTF-8 bytes"
          const bytes = me.held.bytes + Buffer.byteLength(JSON.stringify(msg.candidate));
          if (me.held.candidates.length >= MAX_HELD_CANDIDATES || bytes > MAX_HELD_BYTES) {
            throw new Refused('too-many-candidates', `offer "${offerId}" already has as many candidates as the relay keeps (${MAX_HELD_CANDIDATES}, or 64 KB with the offer)`);
          }
          me.held.bytes = bytes;
          return void me.held.candidates.push(msg.candidate);
        }
        const taker = me.routes.get(offerId);
        if (taker === undefined) throw new Refused('unknown-offer', `you hold no offer "${offerId}"`);
        return forward(me, room.get(taker)!, raw, `candidate offerId=${offerId}`);
      }
      case 'description': {
        const d = msg.description as Json;
        return forward(me, peerTo(msg.to), raw, `description/${String(d.type)}${msg.offerId ? ` offerId=${String(msg.offerId)}` : ''}`);
      }
      case 'status':
        Object.assign(me.status, msg.status);
        for (const other of room.values()) if (other !== me) forward(me, other, raw, 'status');
        return;
      case 'leave':
        return remove(me, 'left');
    }
  }

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: Math.max(1 << 20, 4 * MAX_MESSAGE_BYTES) }); // any path
  wss.on('connection', (ws, req) => {
    if (process.env.DOC_RELAY_TRACE) console.error(`connection ${req.url}`);
    let alive = true;
    ws.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate(); // close handler: peer-left "lost"
      alive = false;
      ws.ping();
    }, heartbeatMs);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      let ref: string | undefined;
      try {
        if (bytes.length > MAX_MESSAGE_BYTES) throw new Refused('too-large', `frame is ${bytes.length} bytes; the limit is ${MAX_MESSAGE_BYTES}`);
        if (isBinary) throw new Refused('bad-json', 'frame must be a JSON object');
        const raw = bytes.toString('utf8');
        if (process.env.DOC_RELAY_TRACE) console.error(`<- ${members.get(ws)?.peer.slice(0, 8) ?? '?'} ${raw.replace(/"sdp":"[^"]*"/g, '"sdp":"…"')}`);
        let msg: unknown;
        try { msg = JSON.parse(raw); } catch { throw new Refused('bad-json', 'frame must be a JSON object'); }
        if (!isObj(msg)) throw new Refused('bad-json', 'frame must be a JSON object');
        if (typeof msg.type === 'string') ref = msg.type;
        handle(ws, raw, msg);
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        events.push(`error to ${members.get(ws)?.peer ?? '?'}: ${err.code} ${err.message}`);
        send(ws, { type: 'error', code: err.code, message: err.message, ...(ref !== undefined && { ref }) });
      }
    });
    ws.on('close', (code) => {
      clearInterval(heartbeat);
      const me = members.get(ws);
      if (me) remove(me, code === 1000 || code === 1005 ? 'left' : 'lost');
    });
  });
  await new Promise<void>((resolve, reject) => wss.once('listening', resolve).once('error', reject));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    events,
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    }),
  };
}
