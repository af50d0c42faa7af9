/**
 * The relay's protocol, end to end: a real relay on an ephemeral port and
 * real `ws` clients. docs/protocol.md is the prose version of these tests.
 */
import { after, before, test, type TestContext, type TestOptions } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { Registry } from 'prom-client';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';
import { createRelay, tokenAuthorizer, type Relay, type RelayOptions } from '../../signaling-server/index.js';
import { NO_ROOM } from '../../src/protocol/close-codes.js';
import { ERROR_CODES, MAX_HELD_BYTES, MAX_HELD_CANDIDATES, MAX_MESSAGE_BYTES, type CandidateInit } from '../../src/protocol/messages.js';
import { addressGroup } from '../../signaling-server/address-group.js';
import { cuttableProxy } from './cuttable-proxy.js';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { rawRequest, TestClient } from './relay-client.js';

/**
 * Every protocol test runs twice: against one relay keeping rooms in memory,
 * and against two relays sharing rooms through a real redis-server, with
 * clients connecting to the two in turn, so every exchange crosses processes.
 */
type Mode = 'memory' | 'redis';
type Stats = ReturnType<Relay['stats']>;
let redisServer: RedisServer;
before(async () => {
  redisServer = await startRedisServer();
});
after(() => redisServer?.stop());
let testNumber = 0;

/** The secret `joined()` joins a peer with: what a takeover of it must show. */
const secretOf = (peer: string) => `${peer}-secret-0123456789`;
/** What the flooding tests send a socket that does not read: far more than the kernel's socket buffers take on loopback. */
const FLOOD_BYTES = 16 * 2 ** 20;

/** The relay(s) for one test, closed (with every socket) when the test ends. */
async function start(t: TestContext, mode: Mode, options: RelayOptions = {}) {
  const prefix = `test${++testNumber}:`; // rooms of one test are invisible to the others
  const relays = await Promise.all(
    (mode === 'memory' ? [{}] : [{ redis: { url: redisServer.url, prefix } }, { redis: { url: redisServer.url, prefix } }]).map(
      (backend) => createRelay({ port: 0, ...options, ...backend }),
    ),
  );
  t.after(() => Promise.all(relays.map((relay) => relay.close())));
  let connections = 0;
  /** `path` may carry a query, e.g. a join in the URL. */
  const connect = (clientOptions?: ClientOptions, path = '') =>
    TestClient.connect(relays[connections++ % relays.length]!.url + path, clientOptions);
  /** Joins `peers` one by one into `room`, each with its secretOf(), consuming the peer-joined notices. */
  const joined = async (room: string, ...peers: string[]) => {
    const clients: TestClient[] = [];
    for (const peer of peers) {
      const client = await connect();
      await client.join(room, peer, { secret: secretOf(peer) });
      for (const earlier of clients) assert.equal((await earlier.next('peer-joined')).peer, peer);
      clients.push(client);
    }
    return clients;
  };
  /** Rooms, peers and held offers across the relays; with Redis, rooms are counted in Redis itself. */
  const stats = async (): Promise<Stats> => {
    const each = relays.map((relay) => relay.stats());
    const sum = (key: keyof Stats) => each.reduce((total, s) => total + s[key], 0);
    const rooms = mode === 'memory' ? each[0]!.rooms : await countRooms(prefix);
    return { rooms, peers: sum('peers'), heldOffers: sum('heldOffers') };
  };
  return { connect, joined, stats };
}

async function countRooms(prefix: string): Promise<number> {
  const redis = new Redis(redisServer.url);
  try {
    return (await redis.keys(`${prefix}room:*:members`)).length;
  } finally {
    redis.disconnect();
  }
}

type Start = (t: TestContext, options?: RelayOptions) => ReturnType<typeof start>;

/** One test per way of keeping rooms. */
function protocolTest(name: string, body: (t: TestContext, start: Start) => Promise<void>, options: TestOptions = {}): void {
  for (const mode of ['memory', 'redis'] as const) {
    test(`${name} [${mode}]`, options, (t) => body(t, (t2, relayOptions) => start(t2, mode, relayOptions)));
  }
}

const candidate = (n: number): CandidateInit => ({
  candidate: `candidate:${n} 1 udp 2122260223 192.0.2.${n} 5000${n} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

/** What a forwarded frame must look like: the sender's bytes with `from` spliced in first. */
const forwarded = (from: string, frame: string) => `{"from":"${from}",${frame.trimStart().slice(1)}`;

protocolTest('first joiner gets an empty welcome; the relay makes an id when none is given', async (t, start) => {
  const { connect } = await start(t);
  const a = await connect();
  assert.deepEqual(await a.join('room', 'alice'), {
    type: 'welcome',
    protocol: 1,
    room: 'room',
    peer: 'alice',
    peers: [],
    offers: [],
  });
  const b = await connect();
  const c = await connect();
  const { peer: idB } = await b.join('room');
  const { peer: idC } = await c.join('room');
  assert.match(idB, /^[A-Za-z0-9_-]{1,64}$/);
  assert.notEqual(idB, idC);
});

protocolTest('two peers: held offer with its candidates (end-of-candidates too) in the welcome, late candidates reach the taker, answer comes back with from', async (t, start) => {
  const { stats, connect } = await start(t);
  const a = await connect();
  await a.join('room', 'alice', { name: 'Alice', status: { audio: true, video: false } });
  a.send({ type: 'offer', offerId: 'o1', sdp: 'v=0 offer' });
  a.send({ type: 'candidate', offerId: 'o1', candidate: candidate(1) });
  a.send({ type: 'candidate', offerId: 'o1', candidate: candidate(2) });
  a.send({ type: 'candidate', offerId: 'o1', candidate: null }); // delivered as sent (docs/protocol.md, welcome)
  await a.quiet(); // holding an offer has no reply
  assert.deepEqual((await stats()), { rooms: 1, peers: 1, heldOffers: 1 });

  const b = await connect();
  const welcome = await b.join('room', 'bob');
  assert.deepEqual(welcome.peers, [{ peer: 'alice', name: 'Alice', status: { audio: true, video: false } }]);
  assert.deepEqual(welcome.offers, [
    { from: 'alice', offerId: 'o1', sdp: 'v=0 offer', candidates: [candidate(1), candidate(2), null] },
  ]);
  assert.deepEqual(await a.next('peer-joined'), { type: 'peer-joined', peer: 'bob', status: {}, offerId: 'o1' });
  assert.deepEqual((await stats()), { rooms: 1, peers: 2, heldOffers: 0 });

  const late = JSON.stringify({ type: 'candidate', offerId: 'o1', candidate: candidate(3) });
  a.send(late);
  assert.equal((await b.nextRaw()).raw, forwarded('alice', late));

  const answer = '  {"type":"description","to":"alice","offerId":"o1","description":{"type":"answer","sdp":"v=0 answer"}}';
  b.send(answer);
  assert.equal((await a.nextRaw()).raw, forwarded('bob', answer));

  b.send({ type: 'candidate', to: 'alice', candidate: null });
  assert.deepEqual(await a.next('candidate'), { from: 'bob', type: 'candidate', to: 'alice', candidate: null });

  // Nothing is echoed to a sender.
  await a.quiet();
  await b.quiet();
});

protocolTest('a third joiner receives both held offers; each owner learns its own offerId', async (t, start) => {
  const { stats, connect, joined } = await start(t);
  const [a, b] = await joined('room', 'alice', 'bob');
  a.send({ type: 'offer', offerId: 'a-for-next', sdp: 'offer from alice' });
  b.send({ type: 'offer', offerId: 'b-for-next', sdp: 'offer from bob' });
  b.send({ type: 'candidate', offerId: 'b-for-next', candidate: candidate(7) });
  await a.quiet();
  await b.quiet();

  const c = await connect();
  const welcome = await c.join('room', 'carol');
  assert.deepEqual(
    welcome.peers.map((p) => p.peer),
    ['alice', 'bob'],
  );
  assert.deepEqual(welcome.offers, [
    { from: 'alice', offerId: 'a-for-next', sdp: 'offer from alice', candidates: [] },
    { from: 'bob', offerId: 'b-for-next', sdp: 'offer from bob', candidates: [candidate(7)] },
  ]);
  assert.equal((await a.next('peer-joined')).offerId, 'a-for-next');
  assert.equal((await b.next('peer-joined')).offerId, 'b-for-next');
  assert.equal((await stats()).heldOffers, 0);

  // Nobody holds an offer now: the next joiner gets none, and peer-joined has no offerId.
  const d = await connect();
  assert.deepEqual((await d.join('room', 'dave')).offers, []);
  for (const member of [a, b, c]) assert.equal('offerId' in (await member.next('peer-joined')), false);

  // The direct path: an existing member offers the newcomer via `description`.
  a.send({ type: 'description', to: 'dave', description: { type: 'offer', sdp: 'direct' } });
  assert.deepEqual(await d.next('description'), {
    from: 'alice',
    type: 'description',
    to: 'dave',
    description: { type: 'offer', sdp: 'direct' },
  });
});

protocolTest('a newer held offer replaces an untaken one; a taken one still routes late candidates', async (t, start) => {
  const { connect } = await start(t);
  const a = await connect();
  await a.join('room', 'alice');
  a.send({ type: 'offer', offerId: 'old', sdp: 'old' });
  a.send({ type: 'offer', offerId: 'new', sdp: 'new' });
  a.send({ type: 'candidate', offerId: 'old', candidate: null });
  assert.equal((await a.next('error')).code, 'unknown-offer');

  const b = await connect();
  assert.deepEqual(
    (await b.join('room', 'bob')).offers.map((o) => o.offerId),
    ['new'],
  );
  await a.next('peer-joined');
  a.send({ type: 'offer', offerId: 'newer', sdp: 'newer' });
  a.send({ type: 'candidate', offerId: 'new', candidate: candidate(1) }); // taken by bob: forwarded
  a.send({ type: 'candidate', offerId: 'newer', candidate: candidate(2) }); // untaken: held
  assert.deepEqual((await b.next('candidate')).candidate, candidate(1));
  await b.quiet();
});

protocolTest('status is merged, forwarded to the others, and shown to later joiners', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a, b, c] = await joined('room', 'alice', 'bob', 'carol');
  a.send({ type: 'status', status: { audio: true, video: true } });
  a.send({ type: 'status', status: { video: false, name: 'Al' } });
  for (const other of [b, c]) {
    assert.deepEqual(await other.next('status'), { from: 'alice', type: 'status', status: { audio: true, video: true } });
    assert.deepEqual(await other.next('status'), { from: 'alice', type: 'status', status: { video: false, name: 'Al' } });
  }
  await a.quiet();
  const d = await connect();
  const welcome = await d.join('room', 'dave');
  assert.deepEqual(welcome.peers[0], { peer: 'alice', status: { audio: true, video: false, name: 'Al' } });
});

protocolTest('rooms are isolated', async (t, start) => {
  const { stats, connect, joined } = await start(t);
  const [a, b] = await joined('one', 'alice', 'bob');
  a.send({ type: 'offer', offerId: 'held', sdp: 'held in one' });
  await a.quiet();

  const c = await connect();
  assert.deepEqual(await c.join('two', 'carol'), {
    type: 'welcome',
    protocol: 1,
    room: 'two',
    peer: 'carol',
    peers: [],
    offers: [],
  });
  // The same peer id in another room is a different membership, not a takeover.
  const alsoAlice = await connect();
  await alsoAlice.join('two', 'alice');
  await c.next('peer-joined');

  a.send({ type: 'status', status: { audio: false } });
  a.send({ type: 'candidate', to: 'bob', candidate: null });
  a.send({ type: 'description', to: 'bob', description: { type: 'offer', sdp: 'x' } });
  await b.next('status');
  await b.next('candidate');
  await b.next('description');
  c.send({ type: 'description', to: 'bob', description: { type: 'offer', sdp: 'x' } });
  assert.equal((await c.next('error')).code, 'unknown-peer');
  await c.quiet();
  await alsoAlice.quiet();
  await a.quiet();
  await b.quiet();
  assert.deepEqual((await stats()), { rooms: 2, peers: 4, heldOffers: 1 });
});

protocolTest('room-full: the relay cap and the joiner’s own maxPeers', async (t, start) => {
  const { stats, connect, joined } = await start(t, { maxPeersPerRoom: 3 });
  const [a, b] = await joined('room', 'alice', 'bob');
  const c = await connect();
  c.send({ type: 'join', room: 'room', peer: 'carol', maxPeers: 2 });
  assert.deepEqual(await c.next('error'), {
    type: 'error',
    code: 'room-full',
    message: 'room "room" is full (2 peers)',
    ref: 'join',
  });
  await c.join('room', 'carol'); // within the relay's cap of 3
  await a.next('peer-joined');
  await b.next('peer-joined');
  const d = await connect();
  d.send({ type: 'join', room: 'room', peer: 'dave' });
  assert.equal((await d.next('error')).code, 'room-full');
  await d.quiet();
  await d.join('elsewhere', 'dave');
  await a.quiet();
  assert.deepEqual((await stats()), { rooms: 2, peers: 4, heldOffers: 0 });
});

protocolTest('takeover by peer id: the old socket is closed with 4001, nobody hears peer-left', async (t, start) => {
  const { stats, connect, joined } = await start(t, { maxPeersPerRoom: 2 });
  const [a, oldB] = await joined('room', 'alice', 'bob');
  oldB.send({ type: 'offer', offerId: 'b-offer', sdp: 'from old bob' });
  a.send({ type: 'offer', offerId: 'a-offer', sdp: 'from alice' });
  await oldB.quiet();
  await a.quiet();
  const oldClosed = once(oldB.socket, 'close');

  const newB = await connect();
  const welcome = await newB.join('room', 'bob', { secret: secretOf('bob') }); // the room is "full", but bob replaces bob
  assert.deepEqual(welcome.peers.map((p) => p.peer), ['alice']);
  assert.deepEqual(welcome.offers.map((o) => o.offerId), ['a-offer']);
  assert.deepEqual(await a.next('peer-joined'), { type: 'peer-joined', peer: 'bob', status: {}, offerId: 'a-offer' });

  const [code, reason] = await oldClosed;
  assert.equal(code, 4001);
  assert.equal(reason.toString(), 'replaced');
  await a.quiet(); // no peer-left, not even after the old socket is gone
  assert.deepEqual((await stats()), { rooms: 1, peers: 2, heldOffers: 0 }); // old bob's held offer is gone

  newB.send({ type: 'candidate', offerId: 'b-offer', candidate: null });
  assert.equal((await newB.next('error')).code, 'unknown-offer');
  newB.send({ type: 'candidate', to: 'alice', candidate: null });
  assert.equal((await a.next('candidate')).from, 'bob');
});

protocolTest('a join with a member’s peer id but not its secret is refused (peer-taken): nobody can evict a member and speak as them', async (t, start) => {
  const { connect, joined, stats } = await start(t);
  const [a, b] = await joined('room', 'alice', 'bob');
  // Peer ids are public: the intruder reads them in its own welcome.
  const intruder = await connect();
  assert.deepEqual((await intruder.join('room', 'mallory')).peers.map((p) => p.peer), ['alice', 'bob']);
  await a.next('peer-joined');
  await b.next('peer-joined');
  intruder.send({ type: 'leave' });
  await a.next('peer-left');
  await b.next('peer-left');
  for (const secret of [undefined, 'not-the-secret-of-bob', secretOf('alice')]) {
    intruder.send({ type: 'join', room: 'room', peer: 'bob', ...(secret && { secret }) });
    const refused = await intruder.next('error');
    assert.equal(refused.code, 'peer-taken', `with secret ${secret}`);
    assert.equal(refused.message, 'peer id "bob" is in room "room" on another connection, which joined with another secret');
  }
  await a.quiet(); // no peer-joined for a second bob
  assert.equal(b.socket.readyState, WebSocket.OPEN);
  a.send({ type: 'candidate', to: 'bob', candidate: null });
  assert.equal((await b.next('candidate')).from, 'alice');
  intruder.send({ type: 'status', status: { video: false } });
  assert.equal((await intruder.next('error')).code, 'not-joined');
  assert.deepEqual(await stats(), { rooms: 1, peers: 2, heldOffers: 0 });
});

protocolTest('while joins with a member’s peer id but not its secret are refused, the member still gets what is sent to it; with the secret, the joiner gets it from then on', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a, b] = await joined('room', 'alice', 'bob');
  const intruder = await connect(); // with rooms in Redis, on alice's relay, whose messages it must not take
  const tries = 100;
  for (let n = 0; n < tries; n++) {
    intruder.send({ type: 'join', room: 'room', peer: 'alice', secret: 'not-the-secret-of-alice' });
    b.send({ type: 'status', status: { name: `bob ${n}` } });
  }
  for (let n = 0; n < tries; n++) assert.equal((await intruder.next('error')).code, 'peer-taken');
  await intruder.quiet();
  for (let n = 0; n < tries; n++) assert.deepEqual((await a.next('status')).status, { name: `bob ${n}` });
  await a.quiet();
  // With the secret, the same socket takes over: what bob sends from then on is for it.
  await intruder.join('room', 'alice', { secret: secretOf('alice') });
  await b.next('peer-joined');
  b.send({ type: 'status', status: { name: 'bob again' } });
  assert.deepEqual((await intruder.next('status')).status, { name: 'bob again' });
});

protocolTest('a membership joined without a secret cannot be taken over', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a] = await joined('room', 'alice');
  const b = await connect();
  await b.join('room', 'bob');
  await a.next('peer-joined');
  const again = await connect();
  again.send({ type: 'join', room: 'room', peer: 'bob' });
  assert.equal((await again.next('error')).code, 'peer-taken');
  assert.equal(b.socket.readyState, WebSocket.OPEN);
});

protocolTest('a takeover the room refuses (room-full) leaves the socket it would have replaced as it was', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a, b, c] = await joined('room', 'alice', 'bob', 'carol');
  const newB = await connect(); // with rooms in Redis, the fourth connection is on bob's relay, as the second was
  newB.send({ type: 'join', room: 'room', peer: 'bob', secret: secretOf('bob'), maxPeers: 2 });
  assert.equal((await newB.next('error')).code, 'room-full');
  a.send({ type: 'candidate', to: 'bob', candidate: null });
  assert.equal((await b.next('candidate')).from, 'alice');
  c.send({ type: 'status', status: { video: false } });
  assert.equal((await b.next('status')).from, 'carol');
});

protocolTest('a peer id that is also a name on every object (__proto__) is just an id', async (t, start) => {
  const { connect, joined } = await start(t);
  const [proto] = await joined('room', '__proto__');
  const carol = await connect();
  await carol.join('room', 'carol');
  assert.deepEqual(await proto.next('peer-joined'), { type: 'peer-joined', peer: 'carol', status: {} }); // it held no offer
});

protocolTest('a replaced socket is not heard any more: what it sends before it reads its 4001 changes nothing', async (t, start) => {
  const { stats, connect, joined } = await start(t);
  const [a, oldB] = await joined('room', 'alice', 'bob');
  oldB.socket.pause(); // it has not read its close frame yet, so as far as it knows it is in the room
  const newB = await connect();
  await newB.join('room', 'bob', { secret: secretOf('bob') });
  await a.next('peer-joined');
  oldB.send({ type: 'join', room: 'room', peer: 'bob', secret: secretOf('bob') });
  oldB.send({ type: 'status', status: { video: false } });
  oldB.send({ type: 'leave' });
  const oldClosed = once(oldB.socket, 'close');
  oldB.socket.resume(); // its close reply follows those frames, so they reached the relay first
  await oldClosed;
  await new Promise((resolve) => setTimeout(resolve, 100)); // rooms in Redis: what they would have set off is published by now
  await a.quiet(); // no second peer-joined, no status, no peer-left
  await newB.quiet(); // and the new socket is still bob
  assert.equal(newB.socket.readyState, WebSocket.OPEN);
  assert.deepEqual(await stats(), { rooms: 1, peers: 2, heldOffers: 0 });
});

protocolTest('a held offer and its candidates take at most MAX_HELD_BYTES: big candidates are refused before 64 of them', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a] = await joined('room', 'alice');
  a.send({ type: 'offer', offerId: 'big', sdp: 'v=0' });
  // Within every limit one by one (a candidate may be 4 KB), but 64 of them would be 256 KB a socket.
  const big = (n: number): CandidateInit => ({ candidate: `candidate:${n} ${'x'.repeat(4000)}` });
  for (let n = 0; n < 20; n++) a.send({ type: 'candidate', offerId: 'big', candidate: big(n) });
  a.send({ type: 'ping' }); // its pong comes after every refusal
  const refusals: string[] = [];
  for (let { message } = await a.nextRaw(); message.type !== 'pong'; { message } = await a.nextRaw()) {
    refusals.push(message.type === 'error' ? message.code : message.type);
  }
  assert.ok(refusals.length >= 3 && refusals.every((code) => code === 'too-many-candidates'), refusals.join());
  const b = await connect();
  const [held] = (await b.join('room', 'bob')).offers;
  const bytes = 'v=0'.length + held!.candidates.reduce((sum, c) => sum + JSON.stringify(c).length, 0);
  assert.equal(held!.candidates.length, 20 - refusals.length);
  assert.ok(bytes <= MAX_HELD_BYTES && bytes > MAX_HELD_BYTES - 8000, `${bytes} bytes held`);
});

protocolTest('MAX_HELD_BYTES counts the sdp and each candidate as JSON, in UTF-8 bytes: a candidate that fits exactly is kept, one byte more is refused', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a] = await joined('room', 'alice');
  const sdp = `v=0 ${'x'.repeat(59_996)}`;
  /** A candidate `bytes` long as JSON; its é is 2 bytes, so a count in UTF-16 units would be 1 short. */
  const sized = (bytes: number): CandidateInit => {
    const init = { candidate: 'é' };
    init.candidate += 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(init)));
    return init;
  };
  // Two candidates, so that nothing between them (a separator a store keeps) counts either.
  const lastThatFits = MAX_HELD_BYTES - sdp.length - 2000;
  a.send({ type: 'offer', offerId: 'fits', sdp });
  a.send({ type: 'candidate', offerId: 'fits', candidate: sized(2000) });
  a.send({ type: 'candidate', offerId: 'fits', candidate: sized(lastThatFits) });
  await a.quiet(); // no too-many-candidates
  const b = await connect();
  assert.deepEqual((await b.join('room', 'bob')).offers[0]!.candidates, [sized(2000), sized(lastThatFits)]);
  await a.next('peer-joined');

  a.send({ type: 'offer', offerId: 'over', sdp });
  a.send({ type: 'candidate', offerId: 'over', candidate: sized(2000) });
  a.send({ type: 'candidate', offerId: 'over', candidate: sized(lastThatFits + 1) });
  assert.equal((await a.next('error')).code, 'too-many-candidates');
  const c = await connect();
  assert.deepEqual((await c.join('room', 'carol')).offers[0]!.candidates, [sized(2000)]);
});

protocolTest('a held offer is dropped when its owner leaves; offers a leaver had taken are forgotten', async (t, start) => {
  const { stats, connect, joined } = await start(t);
  const [a, b] = await joined('room', 'alice', 'bob');
  b.send({ type: 'offer', offerId: 'b-offer', sdp: 'from bob' });
  await b.quiet();
  assert.equal((await stats()).heldOffers, 1);
  await b.close();
  assert.deepEqual(await a.next('peer-left'), { type: 'peer-left', peer: 'bob', reason: 'left' });
  assert.deepEqual((await stats()), { rooms: 1, peers: 1, heldOffers: 0 });

  a.send({ type: 'offer', offerId: 'a-offer', sdp: 'from alice' });
  const c = await connect();
  assert.deepEqual((await c.join('room', 'carol')).offers.map((o) => o.from), ['alice']);
  await a.next('peer-joined');
  c.send({ type: 'leave' });
  await a.next('peer-left');
  a.send({ type: 'candidate', offerId: 'a-offer', candidate: null });
  assert.equal((await a.next('error')).code, 'unknown-offer');

  await a.close();
  await c.quiet();
  assert.deepEqual((await stats()), { rooms: 0, peers: 0, heldOffers: 0 });
});

protocolTest('peer-left says how: left for a leave or a clean close (1000, none); lost for any other end, 1001 included', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a] = await joined('room', 'alice');
  const ends: [string, (client: TestClient) => unknown, string][] = [
    ['leave', (client) => client.send({ type: 'leave' }), 'left'],
    ['1000', (client) => client.close(1000), 'left'],
    ['1001, as Chromium sends for a page it freezes, which may resume', (client) => client.close(1001), 'lost'],
    ['a close frame without a code (1005), as close() with no arguments sends', (client) => client.socket.close(), 'left'],
    ['a code of its own, as a client that reconnects', (client) => client.close(4000), 'lost'],
    ['no close frame', (client) => client.socket.terminate(), 'lost'],
  ];
  for (const [n, [what, end, how]] of ends.entries()) {
    const b = await connect();
    await b.join('room', `b${n}`);
    await a.next('peer-joined');
    await end(b);
    assert.deepEqual(await a.next('peer-left'), { type: 'peer-left', peer: `b${n}`, reason: how }, what);
  }
});

protocolTest('leave, then join again on the same socket', async (t, start) => {
  const { stats, joined } = await start(t);
  const [a, b] = await joined('room', 'alice', 'bob');
  b.send({ type: 'leave' });
  assert.deepEqual(await a.next('peer-left'), { type: 'peer-left', peer: 'bob', reason: 'left' });
  await b.quiet(); // leaving has no reply
  b.send({ type: 'leave' });
  assert.equal((await b.next('error')).code, 'not-joined');
  assert.deepEqual((await b.join('room', 'bob')).peers.map((p) => p.peer), ['alice']);
  assert.equal((await a.next('peer-joined')).peer, 'bob');
  b.send({ type: 'leave' });
  await a.next('peer-left');
  await b.join('another', 'bob');
  assert.deepEqual((await stats()), { rooms: 2, peers: 2, heldOffers: 0 });
});

protocolTest('a join in the URL: the welcome follows the handshake, and the same join sent once open is ignored', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a] = await joined('room', 'alice');
  a.send({ type: 'offer', offerId: 'a1', sdp: 'v=0 alice' });
  await a.quiet();
  const join = { type: 'join', room: 'room', peer: 'bob', name: 'Bob' };
  const b = await connect(undefined, `/?join=${encodeURIComponent(JSON.stringify(join))}`);
  const welcome = await b.next('welcome'); // b has sent nothing
  assert.deepEqual(welcome.offers.map((o) => [o.from, o.offerId]), [['alice', 'a1']]);
  assert.deepEqual(await a.next('peer-joined'), { type: 'peer-joined', peer: 'bob', name: 'Bob', status: {}, offerId: 'a1' });
  b.send(join); // what a client sends once open, for relays that do not read URLs
  await b.quiet(); // no reply…
  await a.quiet(); // …and nobody else hears of it
  b.send({ type: 'join', room: 'room', peer: 'bob2' });
  assert.equal((await b.next('error')).code, 'already-joined');
});

protocolTest('a join in the URL refused (room-full): its repeat once open gets no second refusal, a later join its answer', async (t, start) => {
  const { connect } = await start(t, { maxPeersPerRoom: 1 });
  const alice = await connect();
  await alice.join('room', 'alice');
  const join = { type: 'join', room: 'room', peer: 'bob' };
  const b = await connect(undefined, `/?join=${encodeURIComponent(JSON.stringify(join))}`);
  assert.equal((await b.next('error')).code, 'room-full');
  b.send(join);
  await b.quiet();
  b.send(join); // not the repeat of the URL's: a try again
  assert.equal((await b.next('error')).code, 'room-full');
});

protocolTest('a bad join in the URL gets an error reply, and the socket can still join', async (t, start) => {
  const { connect } = await start(t);
  const missingRoom = await connect(undefined, `/?join=${encodeURIComponent('{"type":"join"}')}`);
  const error = await missingRoom.next('error');
  assert.equal(error.code, 'bad-message');
  assert.equal(error.ref, 'join');
  const notJson = await connect(undefined, '/?join=%7Bnope');
  assert.equal((await notJson.next('error')).code, 'bad-json');
  assert.equal((await missingRoom.join('room', 'carol')).peer, 'carol');
  assert.deepEqual((await notJson.join('room', 'dave')).peers.map((p) => p.peer), ['carol']);
});

protocolTest('authorize may let a socket in to some rooms only: other joins, in the URL too, get forbidden; a throwing check refuses', async (t, start) => {
  const logged = t.mock.method(console, 'error', () => {});
  const { connect, stats } = await start(t, {
    authorize(request) {
      const only = new URL(request.url!, 'http://relay').searchParams.get('only');
      if (only === 'throw') return () => { throw new Error('the room list is corrupt'); };
      return only === null || ((room) => room === only);
    },
  });
  const a = await connect(undefined, '/?only=standup');
  a.send({ type: 'join', room: 'board', peer: 'alice' });
  assert.deepEqual(await a.next('error'), {
    type: 'error',
    code: 'forbidden',
    message: 'this connection may not join room "board"',
    ref: 'join',
  });
  assert.equal((await a.join('standup', 'alice')).room, 'standup'); // the same socket, the room it may join

  const join = { type: 'join', room: 'board', peer: 'bob' };
  const b = await connect(undefined, `/?only=standup&join=${encodeURIComponent(JSON.stringify(join))}`);
  assert.equal((await b.next('error')).code, 'forbidden');
  const c = await connect(undefined, '/?only=throw');
  c.send({ type: 'join', room: 'standup', peer: 'carol' });
  assert.equal((await c.next('error')).code, 'forbidden');
  assert.match(String(logged.mock.calls.at(-1)?.arguments[0]), /the room check threw, so the join is refused: Error: the room list is corrupt/);

  const d = await connect(); // authorize returned true: any room
  assert.deepEqual((await d.join('board', 'dave')).peers, []);
  // With Redis, a relay counts its member when the room's `joined` comes back over pub/sub, which can be
  // just after the welcome; a pong comes once the relay has caught up with its subscription.
  await d.quiet();
  assert.deepEqual(await stats(), { rooms: 2, peers: 2, heldOffers: 0 });
});

protocolTest('every error code: one error reply, and the same socket and everyone else keep working', async (t, start) => {
  const { connect, joined } = await start(t);
  const [a, b] = await joined('room', 'alice', 'bob');
  const outsider = await connect();
  const huge = JSON.stringify({ type: 'offer', offerId: 'x', sdp: 'x'.repeat(MAX_MESSAGE_BYTES) });
  // Alice's held offer has as many candidates as the relay keeps (held candidates get no reply).
  a.send({ type: 'offer', offerId: 'full', sdp: 'v=0' });
  for (let n = 0; n < MAX_HELD_CANDIDATES; n++) a.send({ type: 'candidate', offerId: 'full', candidate: candidate(n) });
  const cases: { who: TestClient; send: object | string | Uint8Array; code: string; ref?: string; says?: RegExp }[] = [
    { who: outsider, send: 'not json', code: 'bad-json' },
    { who: outsider, send: '[{"type":"ping"}]', code: 'bad-json', says: /object/ },
    { who: outsider, send: 'null', code: 'bad-json' },
    { who: outsider, send: new Uint8Array([123, 125]), code: 'bad-json', says: /binary/ },
    { who: outsider, send: {}, code: 'bad-message', says: /join, offer, candidate, description, status, leave, ping/ },
    { who: outsider, send: { type: 'hello' }, code: 'bad-message', ref: 'hello' },
    { who: outsider, send: { type: 7 }, code: 'bad-message' },
    { who: outsider, send: { type: 'join' }, code: 'bad-message', ref: 'join', says: /"room"/ },
    { who: outsider, send: { type: 'join', room: 'r', peer: 'no spaces' }, code: 'bad-message', ref: 'join', says: /"peer"/ },
    { who: outsider, send: { type: 'join', room: 'r', status: { audio: 'yes' } }, code: 'bad-message', says: /"status.audio"/ },
    // Half a surrogate pair is no text: Redis's Lua (cjson) cannot even decode it.
    { who: outsider, send: { type: 'join', room: 'r', name: 'B\ud800' }, code: 'bad-message', says: /"name"/ },
    { who: outsider, send: { type: 'join', room: 'r\udfff' }, code: 'bad-message', says: /"room"/ },
    { who: a, send: { type: 'status', status: { name: 'x\udfff' } }, code: 'bad-message', says: /"status.name"/ },
    { who: outsider, send: { type: 'ping', extra: 1 }, code: 'bad-message', ref: 'ping', says: /"extra"/ },
    { who: a, send: { type: 'candidate', from: 'bob', to: 'bob', candidate: null }, code: 'bad-message', says: /"from"/ },
    { who: a, send: { type: 'candidate', candidate: null }, code: 'bad-message', ref: 'candidate', says: /exactly one/ },
    { who: a, send: { type: 'candidate', to: 'bob', offerId: 'x', candidate: null }, code: 'bad-message', says: /exactly one/ },
    { who: a, send: { type: 'description', to: 'bob', description: { type: 'hi' } }, code: 'bad-message', says: /"description.type"/ },
    // Nothing rides along unchecked inside what comes from the browser's WebRTC API, to be held or forwarded.
    { who: a, send: { type: 'candidate', offerId: 'o1', candidate: { candidate: 'c', junk: 'x'.repeat(40) } }, code: 'bad-message', says: /"candidate.junk": Unexpected property/ },
    { who: a, send: { type: 'description', to: 'bob', description: { type: 'offer', sdp: 'v=0', junk: 1 } }, code: 'bad-message', says: /"description.junk": Unexpected property/ },
    { who: a, send: huge, code: 'too-large', says: new RegExp(`${MAX_MESSAGE_BYTES}`) },
    { who: outsider, send: { type: 'offer', offerId: 'x', sdp: 'x' }, code: 'not-joined', ref: 'offer' },
    { who: outsider, send: { type: 'candidate', to: 'alice', candidate: null }, code: 'not-joined' },
    { who: outsider, send: { type: 'description', to: 'alice', description: { type: 'offer' } }, code: 'not-joined' },
    { who: outsider, send: { type: 'status', status: {} }, code: 'not-joined' },
    { who: outsider, send: { type: 'leave' }, code: 'not-joined', ref: 'leave' },
    { who: a, send: { type: 'join', room: 'other' }, code: 'already-joined', ref: 'join' },
    { who: a, send: { type: 'join', room: 'room', peer: 'zed' }, code: 'already-joined' },
    { who: outsider, send: { type: 'join', room: 'room', maxPeers: 2 }, code: 'room-full', ref: 'join' },
    { who: outsider, send: { type: 'join', room: 'room', peer: 'bob', secret: 'not-the-secret-of-bob' }, code: 'peer-taken', says: /"bob"/ },
    { who: outsider, send: { type: 'join', room: 'room', peer: 'bob', secret: 'short' }, code: 'bad-message', says: /"secret"/ },
    { who: a, send: { type: 'description', to: 'nobody', description: { type: 'offer' } }, code: 'unknown-peer', says: /"nobody"/ },
    { who: a, send: { type: 'candidate', to: 'alice', candidate: null }, code: 'unknown-peer' },
    { who: a, send: { type: 'candidate', offerId: 'never-held', candidate: null }, code: 'unknown-offer', ref: 'candidate' },
    { who: a, send: { type: 'candidate', offerId: 'full', candidate: null }, code: 'too-many-candidates', says: /"full".*64/ },
  ];
  // rate-limited and forbidden have tests of their own: they need a socket past
  // its limit and time to pass, and a relay with authorize().
  const codes = ERROR_CODES.filter((code) => code !== 'rate-limited' && code !== 'forbidden');
  assert.deepEqual(new Set(cases.map((c) => c.code)), new Set(codes), 'every code is exercised');

  let failed = false; // after a failure the replies are out of step: skip the rest rather than time out on each
  for (const { who, send, code, ref, says } of cases) {
    const name = `${code}: ${typeof send === 'string' ? send.slice(0, 40) : JSON.stringify(send)}`;
    await t.test(name, { skip: failed && 'an earlier case failed' }, async () => {
      failed = true;
      who.send(send);
      const error = await who.next('error');
      assert.equal(error.code, code);
      if (ref !== undefined) assert.equal(error.ref, ref);
      if (says) assert.match(error.message, says);
      await who.quiet(); // exactly one reply, and the socket still answers
      failed = false;
    });
  }

  // Everyone else was never disturbed, and the joined sockets still relay.
  await b.quiet();
  a.send({ type: 'candidate', to: 'bob', candidate: candidate(1) });
  assert.deepEqual((await b.next('candidate')).candidate, candidate(1));
  // What was kept of the full offer is delivered whole, in order.
  const { offers } = await outsider.join('room', 'carol');
  assert.deepEqual(offers.map((o) => [o.offerId, o.candidates]), [['full', Array.from({ length: MAX_HELD_CANDIDATES }, (_, n) => candidate(n))]]);
});

protocolTest('rate-limited: past its burst a socket’s messages are refused, not forwarded, until it slows down', async (t, start) => {
  const { joined } = await start(t, { rateLimit: { kbPerSecond: 1, burstKb: 20 } });
  const [a, b] = await joined('room', 'alice', 'bob');
  // Alice's join took 1 KB of her 20; well under a second has passed, so nothing has dripped back.
  // A description of 9.5 KB counts 10, then 9 candidates 1 each; the rest are refused.
  const description = { type: 'offer' as const, sdp: 'x'.repeat(9.5 * 1024 - 100) };
  a.send({ type: 'description', to: 'bob', description });
  for (let n = 0; n < 15; n++) a.send({ type: 'candidate', to: 'bob', candidate: candidate(n) });
  assert.deepEqual((await b.next('description')).description, description);
  for (let n = 0; n < 9; n++) assert.deepEqual((await b.next('candidate')).candidate, candidate(n));
  for (let n = 9; n < 15; n++) {
    const error = await a.next('error');
    assert.equal(error.code, 'rate-limited');
    assert.match(error.message, /1 KB a second \(bursts of 20 KB/);
  }
  await b.quiet(); // nothing past the limit reached Bob
  await new Promise((resolve) => setTimeout(resolve, 1100)); // one more message's worth
  a.send({ type: 'candidate', to: 'bob', candidate: candidate(99) });
  assert.deepEqual((await b.next('candidate')).candidate, candidate(99));
  assert.equal(a.socket.readyState, WebSocket.OPEN);
});

protocolTest('rate-limited: a refusal comes after the replies to the frames sent before it', async (t, start) => {
  const { connect } = await start(t, { rateLimit: { kbPerSecond: 1, burstKb: 3 } });
  const a = await connect();
  // A ping counts 1 of the 3; a 3.5 KB frame counts 4, more than the bucket holds, so it is
  // always refused. With rooms in Redis a pong waits for Redis, and a refusal sent at once
  // would overtake it.
  const big = { type: 'ping', pad: 'x'.repeat(3.5 * 1024) };
  const frames = [{ type: 'ping' }, big, { type: 'ping' }, big, big, { type: 'ping' }];
  for (const frame of frames) a.send(frame);
  const replies = [];
  for (const _ of frames) {
    const { message } = await a.nextRaw();
    replies.push(message.type === 'error' ? message.code : message.type);
  }
  assert.deepEqual(replies, ['pong', 'rate-limited', 'pong', 'rate-limited', 'rate-limited', 'pong']);
});

test('a rate limit that is not a finite non-negative figure stops createRelay, not the first connection', async () => {
  await assert.rejects(createRelay({ port: 0, rateLimit: { kbPerSecond: -1, burstKb: 500 } }), RangeError);
  await assert.rejects(createRelay({ port: 0, rateLimit: { kbPerSecond: 100, burstKb: Infinity } }), RangeError);
});

protocolTest('heartbeat: a socket that stops answering pings is dropped and peer-left announced', async (t, start) => {
  const { stats, connect, joined } = await start(t, { heartbeatMs: 30 });
  const [a] = await joined('room', 'alice');
  const mute = await connect({ autoPong: false });
  await mute.join('room', 'mute');
  await a.next('peer-joined');
  const muteClosed = once(mute.socket, 'close');

  assert.deepEqual(await a.next('peer-left'), { type: 'peer-left', peer: 'mute', reason: 'lost' });
  await muteClosed;
  await new Promise((resolve) => setTimeout(resolve, 120)); // several more ticks
  assert.equal(a.socket.readyState, WebSocket.OPEN, 'a socket that pongs stays');
  await a.quiet();
  assert.deepEqual((await stats()), { rooms: 1, peers: 1, heldOffers: 0 });
});

protocolTest('heartbeat: a socket in no room at six heartbeats in a row is closed with 4408; one in a room stays', async (t, start) => {
  const { connect, joined } = await start(t, { heartbeatMs: 30 });
  const [alice] = await joined('room', 'alice');
  const idle = await connect();
  const leaver = await connect();
  await leaver.join('room', 'bob');
  leaver.send({ type: 'leave' }); // and joins nothing since
  const late = await connect();
  const closes = [idle, leaver].map((client) => once(client.socket, 'close', { signal: AbortSignal.timeout(2000) }));
  await new Promise((resolve) => setTimeout(resolve, 60)); // two beats or so
  await late.join('other', 'carol'); // in time
  for (const [code] of (await Promise.all(closes)) as [number][]) assert.equal(code, NO_ROOM);
  await new Promise((resolve) => setTimeout(resolve, 240)); // eight more beats
  for (const client of [alice, late]) assert.equal(client.socket.readyState, WebSocket.OPEN, 'a socket in a room stays');
});

protocolTest('a socket that stops reading is dropped once its backlog passes maxBufferedBytes, not kept growing; its place is kept', async (t, start) => {
  // A long heartbeat, so that only the backlog limit can drop it within the test; no rate
  // limit, since the flood would be cut short by it (a slow reader's backlog can build up anyway).
  const { joined } = await start(t, { heartbeatMs: 60_000, maxBufferedBytes: 256 * 1024, rateLimit: false });
  const [a, stalled] = await joined('room', 'alice', 'stalled');
  const tcp = (stalled.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  tcp.pause(); // reads nothing more
  const sdp = 'x'.repeat(60_000);
  let sent = 0;
  // Far more than the limit plus what the kernel's socket buffers take (a few MB on loopback).
  while (sent < 3 * FLOOD_BYTES) {
    for (let i = 0; i < 16; i++) a.send({ type: 'description', to: 'stalled', description: { type: 'offer', sdp } });
    sent += 16 * sdp.length;
    // Answered once the relay has handled those 16, so `sent` is what it took in, not what
    // waits in front of it (with Redis, a relay reads on while Redis catches up). Nothing
    // else comes: its place is kept, so no peer-left, and no unknown-peer for what follows.
    await a.quiet();
  }
  // Once it reads again, it finds its socket dropped, after what the kernel held, not the 48 MB.
  tcp.resume();
  let received = 0;
  stalled.socket.on('message', () => (received += sdp.length));
  const [code] = (await once(stalled.socket, 'close', { signal: AbortSignal.timeout(20_000) })) as [number];
  assert.equal(code, 1006);
  assert.ok(received < 16 * 2 ** 20, `${(received / 2 ** 20).toFixed(1)} MB of ${sent / 2 ** 20} MB delivered`);
  await a.quiet(); // and Alice has still heard nothing: its place is kept for it
});

protocolTest('a socket dropped for its backlog keeps its place for its client: nobody else can join as it, and it takes it back unheard', async (t, start) => {
  const { connect, joined } = await start(t, { heartbeatMs: 60_000, maxBufferedBytes: 64 * 1024, rateLimit: false });
  const [bystander, victim] = await joined('room', 'bystander', 'victim');
  const tcp = (victim.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  tcp.pause(); // its network stalls
  // Others can make the relay's own messages to it pile up: joining and leaving, with the longest names.
  const flooder = await connect();
  const name = '\u8a9e'.repeat(64);
  const cycle = { type: 'join', room: 'room', peer: 'f'.repeat(64), name, status: { name } };
  let sent = 0;
  while (sent < FLOOD_BYTES) {
    for (let i = 0; i < 100; i++) {
      flooder.send(cycle);
      flooder.send({ type: 'leave' });
    }
    sent += 100 * JSON.stringify({ ...cycle, type: 'peer-joined' }).length * 2; // UTF-8 bytes, roughly
    flooder.send({ type: 'ping' });
    while ((await flooder.nextRaw(10_000)).message.type !== 'pong'); // its welcomes
  }
  // Dropped by now (checked below), its id is still taken: nobody can take its place.
  const impostor = await connect();
  impostor.send({ type: 'join', room: 'room', peer: 'victim', secret: 'not-the-victims-secret-0123' });
  assert.equal((await impostor.next('error')).code, 'peer-taken');
  tcp.resume();
  const [code] = (await once(victim.socket, 'close', { signal: AbortSignal.timeout(20_000) })) as [number];
  assert.equal(code, 1006, 'dropped by the relay');
  // Back with its secret, it has its place again, and the bystander heard of none of it.
  const back = await connect();
  await back.join('room', 'victim', { secret: secretOf('victim') });
  bystander.send({ type: 'ping' });
  for (let m; (m = (await bystander.nextRaw(10_000)).message).type !== 'pong'; )
    assert.ok(!(m.type === 'peer-left' && m.peer === 'victim'), 'the bystander heard the victim leave');
}, { timeout: 60_000 });

test('a message over twice the frame limit closes its socket (1009), its fragments counted together', async (t) => {
  const { connect } = await start(t, 'memory');
  const client = await connect();
  // The first fragments are held until the last: a client that never sends it must not hold more than this.
  const fragment = Buffer.alloc(MAX_MESSAGE_BYTES * 0.75, 0x20);
  for (let i = 0; i < 3; i++) client.socket.send(fragment, { fin: false, binary: false });
  const [code] = (await once(client.socket, 'close', { signal: AbortSignal.timeout(2000) })) as [number];
  assert.equal(code, 1009);
});

test('heartbeat: sockets are pinged spread over the interval, not all in one turn', async (t) => {
  const heartbeatMs = 400;
  const { connect } = await start(t, 'memory', { heartbeatMs });
  const clients = await Promise.all(Array.from({ length: 40 }, () => connect()));
  const since = performance.now();
  const firstPings = await Promise.all(clients.map(async (c) => (await once(c.socket, 'ping'), performance.now() - since)));
  const spread = Math.max(...firstPings) - Math.min(...firstPings);
  // One burst would put every first ping within a few ms of the others.
  assert.ok(spread >= heartbeatMs / 2, `first pings spread over ${spread.toFixed(0)} ms of a ${heartbeatMs} ms interval`);
  assert.ok(Math.max(...firstPings) <= 2 * heartbeatMs, 'every socket is pinged within an interval or so');
});

test('redis: when a relay dies, the relays in its rooms take its members out, and rooms only it served expire', async (t) => {
  const prefix = `died${++testNumber}:`;
  // Presence expires 300 ms after the death; relays sweep their rooms every 100 ms; keys expire 600 ms after a room's last sweep.
  const redis = { url: redisServer.url, prefix, nodeTtlMs: 300 };
  // The relay that will die runs in a child process, so SIGKILL gives it no chance to say goodbye.
  const relayModule = new URL('../../signaling-server/index.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e',
      `const { createRelay } = await import(${JSON.stringify(relayModule)});
       const relay = await createRelay({ port: 0, redis: ${JSON.stringify(redis)} });
       console.log(relay.url);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => child.kill('SIGKILL'));
  const [doomedUrl] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const survivor = await createRelay({ port: 0, redis });
  t.after(() => survivor.close());
  const inspector = new Redis(redisServer.url);
  t.after(() => inspector.disconnect());
  const keysOf = (room: string) => inspector.keys(`${prefix}room:${room}:*`);

  const a = await TestClient.connect(doomedUrl);
  await a.join('room', 'alice');
  a.send({ type: 'offer', offerId: 'a1', sdp: 'from alice' });
  await a.quiet();
  const b = await TestClient.connect(survivor.url);
  assert.deepEqual((await b.join('room', 'bob')).offers.map((o) => o.offerId), ['a1']);
  // Dora is alone in her room, on the relay that dies: nobody is left to sweep it.
  const d = await TestClient.connect(doomedUrl);
  await d.join('solo', 'dora');
  d.send({ type: 'offer', offerId: 'd1', sdp: 'from dora' });
  d.send({ type: 'candidate', offerId: 'd1', candidate: { candidate: 'c' } });
  await d.quiet();
  assert.deepEqual((await keysOf('solo')).length, 4, 'members, links, offers, cands');

  child.kill('SIGKILL');
  await once(a.socket, 'close');
  // No join needed: bob hears of it at his relay's first sweep after alice's relay's presence expired.
  assert.deepEqual(await b.next('peer-left'), { type: 'peer-left', peer: 'alice', reason: 'lost' });
  for (const deadline = Date.now() + 3000; (await keysOf('solo')).length; ) {
    assert.ok(Date.now() < deadline, `dora's room still in Redis: ${await keysOf('solo')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // A room a live relay is in does not expire, however long it is quiet.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const c = await TestClient.connect(survivor.url);
  assert.deepEqual((await c.join('room', 'carol')).peers.map((p) => p.peer), ['bob']);
  assert.equal((await b.next('peer-joined')).peer, 'carol');
});

test('redis: relays that lose their room state close their sockets with 1012, and the clients can join again', { timeout: 5000 }, async (t) => {
  const redis = { url: redisServer.url, prefix: `lost${++testNumber}:`, nodeTtlMs: 150 };
  const relays = await Promise.all([0, 1].map(() => createRelay({ port: 0, redis })));
  t.after(() => Promise.all(relays.map((relay) => relay.close())));
  const a = await TestClient.connect(relays[0]!.url);
  await a.join('room', 'alice');
  const b = await TestClient.connect(relays[1]!.url);
  await b.join('room', 'bob');
  await a.next('peer-joined');

  const closes = [a, b].map((client) => once(client.socket, 'close'));
  const inspector = new Redis(redisServer.url);
  await inspector.flushall(); // Redis restarted without its data, as far as the relays can tell
  inspector.disconnect();
  for (const [code] of await Promise.all(closes)) assert.equal(code, 1012);

  const again = await TestClient.connect(relays[0]!.url);
  await again.join('room', 'alice');
  const bobAgain = await TestClient.connect(relays[1]!.url);
  assert.deepEqual((await bobAgain.join('room', 'bob')).peers.map((p) => p.peer), ['alice']);
  assert.equal((await again.next('peer-joined')).peer, 'bob');
});

test('redis: close() lets go of Redis only once sockets that closed just before it have left', async (t) => {
  const redis = { url: redisServer.url, prefix: `closing${++testNumber}:` };
  // Our own http.Server under the closing relay, to see the moment alice's TCP socket closes there.
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const tcpClosed = new Promise((resolve) => server.once('connection', (socket) => socket.once('close', resolve)));
  const closing = await createRelay({ server, redis });
  const staying = await createRelay({ port: 0, redis });
  t.after(() => staying.close());

  const b = await TestClient.connect(staying.url);
  await b.join('room', 'bob');
  const a = await TestClient.connect(`${closing.url}/relay`); // attached: the default path
  await a.join('room', 'alice');
  await b.next('peer-joined');
  // Each offer is a Redis round trip, handled one after another: alice's leave is queued behind them
  // when her socket closes, and she is no longer one of the relay's connections.
  for (let i = 0; i < 300; i++) a.send({ type: 'offer', offerId: `o${i}`, sdp: 'from alice' });
  await a.close();
  await tcpClosed;
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve)); // ws emits its 'close'

  await closing.close();
  assert.deepEqual(await b.next('peer-left'), { type: 'peer-left', peer: 'alice', reason: 'left' });
});

test('redis: while Redis hangs, sockets that need it are closed with 1013; their places are kept for a while, and nobody stays as a ghost', { timeout: 10_000 }, async (t) => {
  const hanging = await startRedisServer(); // its own: it is stopped with SIGSTOP
  t.after(() => hanging.stop());
  const logged = t.mock.method(console, 'error', () => {});
  const relay = await createRelay({ port: 0, redis: { url: hanging.url, commandTimeoutMs: 200, nodeTtlMs: 3000 }, metrics: true });
  t.after(() => relay.close());
  const [a, b] = await Promise.all([TestClient.connect(relay.url), TestClient.connect(relay.url)]);
  await a.join('room', 'alice');
  await b.join('room', 'bob', { secret: secretOf('bob') });
  await a.next('peer-joined');

  process.kill(hanging.pid, 'SIGSTOP');
  // Bob's first status reaches Redis and times out; the rest wait behind it and are dropped with him.
  for (let n = 0; n < 20; n++) b.send({ type: 'status', status: { name: `bob ${n}` } });
  assert.equal((await once(b.socket, 'close'))[0], 1013);
  assert.deepEqual((await health(relay)).status, 503, 'a load balancer hears that this relay cannot serve now');
  const metrics = await relay.registry!.metrics();
  assert.equal(sample(metrics, 'p2p_call_relay_store_up'), 0);
  assert.equal(sample(metrics, 'p2p_call_relay_errors_total{code="store-unavailable"}'), 1);
  // Carol's join reaches Redis, which will run it once it wakes, long after the relay gave up
  // on it and closed her socket. She never comes back, so her place must go in the end.
  const c = await TestClient.connect(relay.url);
  c.send({ type: 'join', room: 'room', peer: 'carol' });
  assert.equal((await once(c.socket, 'close'))[0], 1013);
  process.kill(hanging.pid, 'SIGCONT');
  // Bob comes back, as the element does at once, and takes his place again.
  const bobAgain = await TestClient.connect(relay.url);
  await bobAgain.join('room', 'bob', { secret: secretOf('bob') });
  // He counts once his join's event comes back from Redis, a few ms after his welcome.
  await until(() => relay.stats().peers === 2, 'bob counted again');
  assert.deepEqual(await health(relay), { status: 200, body: { ok: true, rooms: 1, peers: 2, heldOffers: 0 } });

  const heard: string[] = []; // what alice heard, until carol's place went (nodeTtlMs after she was sent away)
  while (heard.at(-1) !== 'peer-left carol') {
    const { message } = await a.nextRaw(6000);
    if (message.type === 'peer-joined' || message.type === 'peer-left') heard.push(`${message.type} ${message.peer}`);
    if (message.type === 'status') heard.push(`status ${message.status.name}`);
  }
  assert.ok(!heard.includes('peer-left bob'), `bob's call goes on: ${heard.join(', ')}`);
  assert.deepEqual(heard.filter((line) => line.startsWith('status')), ['status bob 0'], 'Redis ran the one status it timed out on once it woke, and no other');
  const d = await TestClient.connect(relay.url);
  assert.deepEqual((await d.join('room', 'dave')).peers.map((p) => p.peer).sort(), ['alice', 'bob']);
  assert.equal(a.socket.readyState, WebSocket.OPEN, 'alice sent nothing while it hung, and stays');
  const lines = logged.mock.calls.map((call) => String(call.arguments[0]));
  assert.equal(lines.filter((line) => line.includes('redis does not answer (Command timed out)')).length, 1, lines.join('\n'));
  assert.equal(lines.filter((line) => line.includes('redis answers again')).length, 1, lines.join('\n'));
});

/** A redis-server of the test's own, and a proxy to it that the test can cut (a partition). */
async function redisBehindProxy(t: TestContext) {
  const redis = await startRedisServer();
  t.after(() => redis.stop());
  const proxy = await cuttableProxy(Number(new URL(redis.url).port));
  t.after(() => proxy.close());
  return { redis, proxy };
}

test('redis: after a partition from Redis, a relay’s sockets rejoin (1012) and catch up on what they missed', { timeout: 20_000 }, async (t) => {
  const { redis, proxy } = await redisBehindProxy(t);
  t.mock.method(console, 'error', () => {});
  const options = { nodeTtlMs: 30_000 }; // no presence is lost: the partition is much shorter
  const cutOff = await createRelay({ port: 0, redis: { url: `redis://127.0.0.1:${proxy.port}`, ...options } });
  t.after(() => cutOff.close());
  const other = await createRelay({ port: 0, redis: { url: redis.url, ...options } });
  t.after(() => other.close());
  const [a, b] = await Promise.all([TestClient.connect(cutOff.url), TestClient.connect(cutOff.url)]);
  await a.join('room', 'alice');
  await b.join('room', 'bob');
  await a.next('peer-joined');

  proxy.cut(1500); // Redis keeps its data; the cut-off relay cannot reach it for 1.5 s
  await b.close(1000); // bob's leave fails for want of Redis, and is made once it is back
  const c = await TestClient.connect(other.url);
  await c.join('room', 'carol'); // published while the cut-off relay's subscriber is away
  // Alice never heard of carol (nor, perhaps, of bob leaving): she is sent to rejoin.
  assert.equal((await once(a.socket, 'close'))[0], 1012);
  const aliceAgain = await TestClient.connect(cutOff.url);
  const peers = new Set((await aliceAgain.join('room', 'alice')).peers.map((p) => p.peer));
  // Bob's leave is made once the relay's command connection is back, which may come
  // after its subscriber: then alice hears of it now.
  if (peers.delete('bob')) assert.deepEqual(await aliceAgain.next('peer-left'), { type: 'peer-left', peer: 'bob', reason: 'left' });
  assert.deepEqual([...peers], ['carol']);
});

test('redis: /healthz says 503 as soon as the connection to Redis drops, on a relay that sends Redis nothing, and 200 once it is back', { timeout: 20_000 }, async (t) => {
  const { proxy } = await redisBehindProxy(t);
  t.mock.method(console, 'error', () => {});
  // No presence refresh in this test: only the dropped connections can tell the relay.
  const relay = await createRelay({ port: 0, redis: { url: `redis://127.0.0.1:${proxy.port}`, nodeTtlMs: 60_000 } });
  t.after(() => relay.close());
  assert.equal((await health(relay)).status, 200);
  proxy.cut(1500);
  await until(() => !relay.healthy(), 'unhealthy within 2 s: nothing but a command would have told it before', 2000);
  assert.equal((await health(relay)).status, 503);
  await until(() => relay.healthy(), 'healthy again once Redis is reachable', 10_000);
  assert.equal((await health(relay)).status, 200);
});

test('redis: a relay that cannot reach Redis does not start, and says why', async () => {
  await assert.rejects(createRelay({ port: 0, redis: 'redis://127.0.0.1:1' }), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
});

test('redis: a relay given a Redis Cluster does not start, and says so (every room script would fail there)', { timeout: 10_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'redis-cluster-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cluster = await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf')]);
  t.after(() => cluster.stop());
  const started = createRelay({ port: 0, redis: cluster.url });
  t.after(async () => (await started.catch(() => undefined))?.close()); // if it wrongly started
  await assert.rejects(started, /^Error: Redis at redis:\/\/127\.0\.0\.1:\d+ is a cluster, which p2p-call does not support/);
});

test('attaches to an existing http.Server at /relay (or its path), leaves other upgrades to the app, and leaves it running on close', { timeout: 10_000 }, async (t) => {
  const server = createServer((_request, response) => response.end('the app'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const port = (server.address() as { port: number }).port;

  const relay = await createRelay({ server });
  assert.equal(relay.port, port);
  assert.equal(relay.url, `ws://127.0.0.1:${port}`);
  const a = await TestClient.connect(`${relay.url}/relay?room=x`);
  await a.join('room', 'alice');
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'the app');
  // Nobody else takes upgrades: another path is answered, not left hanging.
  const stray = rawRequest(port, upgradeRequest('/elsewhere'));
  await once(stray.socket, 'close');
  assert.match(stray.heard(), /^HTTP\/1\.1 404 /);
  // The app's own WebSocket endpoint on the same server gets its upgrades (ws used to take them all, and crash on them).
  const own = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (request.url === '/app') own.handleUpgrade(request, socket, head, (ws) => ws.send('the app’s socket'));
  });
  const app = new WebSocket(`ws://127.0.0.1:${port}/app`);
  assert.equal(String((await once(app, 'message'))[0]), 'the app’s socket');
  app.close();
  const elsewhere = await createRelay({ server, path: '/signaling' });
  const b = await TestClient.connect(`${relay.url}/signaling`);
  await b.join('room', 'bob');
  await elsewhere.close();

  const closed = once(a.socket, 'close');
  await relay.close();
  await closed;
  assert.equal(server.listening, true);
  assert.deepEqual(relay.stats(), { rooms: 0, peers: 0, heldOffers: 0 });
});

/** A WebSocket upgrade request for `target`, written by hand so that it can be one no URL parser takes. */
const upgradeRequest = (target: string) =>
  `GET ${target} HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** The close frame a refused socket gets, as bytes on the wire: 4401 and its reason. */
const CLOSED_UNAUTHORIZED = '\x88\x0e\x11\x31unauthorized';

async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); await new Promise((resolve) => setTimeout(resolve, 20)))
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
}

test('a request target no URL parser takes (//[, http://a:99999/) is answered and harms nothing: plain HTTP, a WebSocket joining in it, a token check', async (t) => {
  const relay = await createRelay({ port: 0 });
  t.after(() => relay.close());
  for (const target of ['//[/healthz', 'http://a:99999/']) {
    const plain = rawRequest(relay.port, `GET ${target} HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n`);
    await once(plain.socket, 'close');
    assert.match(plain.heard(), /^HTTP\/1\.1 426 /, target);
  }
  const join = encodeURIComponent(JSON.stringify({ type: 'join', room: 'room', peer: 'alice' }));
  const joining = rawRequest(relay.port, upgradeRequest(`//[/?join=${join}`));
  await until(() => joining.heard().includes('"type":"welcome"'), 'the welcome to the join in the target');
  joining.socket.destroy();
  assert.equal((await health(relay)).status, 200);

  // Such a target holds no token: refused as one without, not closed as if the check had failed.
  const guarded = await createRelay({ port: 0, authorize: tokenAuthorizer({ secret: 'a secret of at least thirty-two bytes' }) });
  t.after(() => guarded.close());
  const tokenless = rawRequest(guarded.port, upgradeRequest('//[/?token=abc'));
  await once(tokenless.socket, 'close');
  assert.ok(tokenless.heard().endsWith(CLOSED_UNAUTHORIZED), `closed with 4401, heard ${JSON.stringify(tokenless.heard().slice(-20))}`);
});

test('authorize: decides before the handshake who may connect; no closes with 4401 (a client deaf to that is cut off in 1 s), a throw with 1011, a client gone meanwhile harms nothing', { timeout: 10_000 }, async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  let release!: () => void;
  let askedSlow!: () => void;
  const slowAsked = new Promise<void>((resolve) => (askedSlow = resolve));
  const relay = await createRelay({
    port: 0,
    async authorize(request) {
      const token = new URL(request.url!, 'http://relay').searchParams.get('token');
      if (token === 'slow') {
        askedSlow();
        await new Promise<void>((resolve) => (release = resolve));
      }
      if (token === 'broken') throw new Error('the session store is down');
      if (token === 'good') return true;
      return undefined as never; // as a JS authorize() with no last return: a refusal, like any value but true or a function
    },
  });
  t.after(() => relay.close());
  const refusal = (token: string) => TestClient.refusal(`${relay.url}/?token=${token}`);
  assert.equal(await refusal('bad'), 4401);
  assert.equal(await refusal('broken'), 1011);
  assert.match(String(logged.mock.calls.at(-1)?.arguments[0]), /authorize threw, so the connection is closed with 1011: Error: the session store is down/);
  assert.deepEqual(relay.stats(), { rooms: 0, peers: 0, heldOffers: 0 });

  // A client that resets its connection while it is being decided: nothing crashes.
  const impatient = rawRequest(relay.port, upgradeRequest('/?token=slow'));
  await slowAsked;
  impatient.socket.resetAndDestroy();
  await new Promise((resolve) => setTimeout(resolve, 100)); // the relay sees ECONNRESET
  release();

  // A refused client that never answers the close frame is cut off soon, not after ws's 30 s.
  const stubborn = rawRequest(relay.port, upgradeRequest('/?token=bad'));
  await Promise.race([once(stubborn.socket, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('still open after 5 s')), 5000))]);
  assert.match(stubborn.heard(), /^HTTP\/1\.1 101 /);
  assert.ok(stubborn.heard().endsWith(CLOSED_UNAUTHORIZED), 'a close frame with 4401 and its reason');

  const client = await TestClient.connect(`${relay.url}/?token=good`);
  await client.join('room', 'alice');
  assert.deepEqual(relay.stats(), { rooms: 1, peers: 1, heldOffers: 0 });
});

test('turn: every socket first gets ice-servers with a coturn credential of its own, before the welcome; bad TURN options throw at start', async (t) => {
  const urls = ['turn:127.0.0.1:3478', 'turns:turn.example:5349?transport=tcp'];
  const relay = await createRelay({ port: 0, turn: { urls, secret: 's3cret', ttlSeconds: 3600 } });
  t.after(() => relay.close());
  const join = encodeURIComponent(JSON.stringify({ type: 'join', room: 'room', peer: 'alice' }));
  const [a, b] = await Promise.all([TestClient.connect(`${relay.url}/?join=${join}`), TestClient.connect(relay.url)]);
  const given = [await a.next('ice-servers'), await b.next('ice-servers')].map(({ iceServers }) => {
    assert.equal(iceServers.length, 1);
    return iceServers[0]!;
  });
  assert.equal((await a.next('welcome')).peer, 'alice'); // after the servers, which the client needs to answer offers
  for (const { urls: sent, username, credential } of given) {
    assert.deepEqual(sent, urls);
    const [, expiry] = /^(\d+):[\w-]{8}$/.exec(username!) ?? assert.fail(`username ${username}`);
    assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 3600)) < 5, `expires at ${expiry}`);
    // What coturn computes with use-auth-secret (test/e2e/firefox.test.ts has a real coturn accept it).
    assert.equal(credential, createHmac('sha1', 's3cret').update(username!).digest('base64'));
  }
  assert.notEqual(given[0]!.username, given[1]!.username);

  await assert.rejects(createRelay({ port: 0, turn: { urls: 'https://turn.example', secret: 's' } }), /must start with turn:, turns: or stun:/);
  await assert.rejects(createRelay({ port: 0, turn: { urls: [], secret: 's' } }), TypeError);
  // What browsers cannot parse: every page's connections would throw (a typo'd turn://, a transport they lack).
  for (const urls of ['turn://turn.example:3478', 'turn:turn.example:3478?transport=sctp', 'stun:turn.example?transport=udp', 'turn:turn example', 'turn:'])
    await assert.rejects(createRelay({ port: 0, turn: { urls: ['turn:ok.example', urls], secret: 's' } }), new RegExp(`TURN URL ${JSON.stringify(urls).replace(/[?.]/g, '\\$&')} is not one browsers take`));
  for (const urls of ['turn:turn.example', 'turns:turn.example:5349?transport=tcp', 'turn:192.0.2.1:3478?transport=udp', 'turn:[2001:db8::1]:3478', 'stun:stun.example:19302']) {
    const relay = await createRelay({ port: 0, turn: { urls, secret: 's' } });
    await relay.close();
  }
  await assert.rejects(createRelay({ port: 0, turn: { urls: 'turn:x', secret: '' } }), /the TURN secret is empty/);
  await assert.rejects(createRelay({ port: 0, turn: { urls: 'turn:x', secret: 's', ttlSeconds: 10 } }), RangeError);
});

/** One sample's value from Prometheus text, e.g. sample(text, 'p2p_call_relay_errors_total{code="bad-json"}'). */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test('metrics: GET /metrics counts connections, rooms, frames, errors by code and refusals; a Registry of your own gets them too, until close()', async (t) => {
  const relay = await createRelay({ port: 0, metrics: true, authorize: (request) => !request.url?.includes('nope') });
  t.after(() => relay.close());
  const [a, b] = await Promise.all([0, 1].map(() => TestClient.connect(relay.url)));
  await a!.join('room', 'alice');
  await b!.join('room', 'bob');
  b!.send('not json');
  await b!.next('error');
  assert.equal(await TestClient.refusal(`${relay.url}/?nope`), 4401);
  const response = await fetch(`${relay.url.replace('ws:', 'http:')}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const expected: Record<string, number> = {
    p2p_call_relay_connections: 2,
    p2p_call_relay_rooms: 1,
    p2p_call_relay_peers: 2,
    p2p_call_relay_held_offers: 0,
    p2p_call_relay_store_up: 1,
    p2p_call_relay_frames_received_total: 3,
    'p2p_call_relay_errors_total{code="bad-json"}': 1,
    p2p_call_relay_connections_refused_total: 1,
  };
  for (const [name, value] of Object.entries(expected)) assert.equal(sample(text, name), value, name);
  assert.ok((sample(text, 'p2p_call_relay_process_resident_memory_bytes') ?? 0) > 0, 'the process metrics');

  // Attached to a server that already serves metrics: into its registry, and out again on close().
  const registry = new Registry();
  const attached = await createRelay({ port: 0, metrics: registry });
  assert.equal(attached.registry, registry);
  assert.equal(sample(await registry.metrics(), 'p2p_call_relay_connections'), 0);
  // A second relay on the same registry is refused, and leaves the first one's metrics alone.
  await assert.rejects(createRelay({ port: 0, metrics: registry }), /already been registered/);
  assert.equal(sample(await registry.metrics(), 'p2p_call_relay_connections'), 0);
  await attached.close();
  assert.equal(await registry.metrics(), '\n');
  await (await createRelay({ port: 0, metrics: registry })).close(); // the names are free again
  const plain = await createRelay({ port: 0 });
  await plain.close();
  assert.equal(plain.registry, undefined);
});

test('metrics: a relay whose metrics are already in the registry given fails to start, and leaves no Redis connection open', async (t) => {
  const registry = new Registry();
  const first = await createRelay({ port: 0, metrics: registry });
  t.after(() => first.close());
  const redis = new Redis(redisServer.url);
  t.after(() => redis.disconnect());
  const connections = async () => String(await redis.client('LIST')).trim().split('\n').length;
  const before = await connections();
  await assert.rejects(createRelay({ port: 0, metrics: registry, redis: { url: redisServer.url, prefix: `metrics-${testNumber++}:` } }), /already been registered/);
  assert.equal(await connections(), before);
});

/** The relay's health check: status and body. */
/** The HTTP status an upgrade to `url` is turned away with; rejects if it opens. */
function turnedAway(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (request, response) => {
      request.destroy();
      resolve(response.statusCode!);
    });
    socket.on('open', () => reject(new Error(`${url} let the socket in`)));
  });
}

test('connection limits: past maxConnectionsPerAddress or maxConnections an upgrade gets 503 and its socket closed, counted; a closed socket frees its place', { timeout: 10_000 }, async (t) => {
  const relay = await createRelay({ port: 0, maxConnectionsPerAddress: 2, metrics: true });
  t.after(() => relay.close());
  const [a, b] = await Promise.all([TestClient.connect(relay.url), TestClient.connect(relay.url)]);
  assert.equal(await turnedAway(relay.url), 503);
  await b.join('room', 'bob'); // the ones in keep working
  await a.close();
  // The relay counts the address's sockets until their TCP socket closes, a moment after the client's.
  let early = 0;
  for (;;) {
    const c = await TestClient.connect(relay.url).catch(() => undefined);
    if (c) break;
    assert.ok(++early < 50, 'a place freed');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(sample(await relay.registry!.metrics(), 'p2p_call_relay_connections_over_limit_total'), 1 + early);

  // A client turned away that never closes its side still loses its socket: else it keeps a file descriptor.
  const upgrade = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${'A'.repeat(22)}==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  const stubborn = rawRequest(relay.port, upgrade);
  stubborn.socket.on('end', () => {}); // half-closed by the relay: it does not end its own side
  await once(stubborn.socket, 'close');
  assert.match(stubborn.heard(), /^HTTP\/1\.1 503 /);

  // Sockets still being authorized count: two at once against a cap of one, one gets in.
  let letIn = () => {};
  const slow = await createRelay({ port: 0, maxConnections: 1, authorize: () => new Promise<boolean>((resolve) => (letIn = () => resolve(true))) });
  t.after(() => slow.close());
  const first = TestClient.connect(slow.url);
  await new Promise((resolve) => setTimeout(resolve, 100)); // its upgrade is with authorize
  assert.equal(await turnedAway(slow.url), 503);
  letIn();
  await first;
  await assert.rejects(createRelay({ port: 0, maxConnections: 0 }), /maxConnections must be a whole number of at least 1, not 0/);
});

test('the per-address limit counts an IPv6 /64 as one address, and an IPv4-mapped address as its IPv4 one', () => {
  const groups = ['2001:db8:1:2::9', '2001:db8:1:2:ffff:1:2:3', '2001:db8:1:3::9', '::ffff:192.0.2.7', '192.0.2.7', '192.0.2.8'].map(addressGroup);
  assert.deepEqual(groups, ['2001:db8:1:2::/64', '2001:db8:1:2::/64', '2001:db8:1:3::/64', '192.0.2.7', '192.0.2.7', '192.0.2.8']);
  // What Node may report that is not an address (a closed socket's undefined) is its own group.
  assert.deepEqual([undefined, 'not-an-ip'].map(addressGroup), [undefined, 'not-an-ip']);
});

async function health(relay: { url: string }) {
  const response = await fetch(`${relay.url.replace('ws:', 'http:')}/healthz`);
  return { status: response.status, body: await response.json() };
}

test('its own server answers plain HTTP with 426 and /healthz with its stats, and close() ends every socket', async (t) => {
  const relay = await createRelay({ port: 0 });
  t.after(() => relay.close()); // closed below; this only matters if an assertion fails first
  const response = await fetch(relay.url.replace('ws:', 'http:'));
  assert.equal(response.status, 426);
  await response.text();
  assert.deepEqual(await health(relay), { status: 200, body: { ok: true, rooms: 0, peers: 0, heldOffers: 0 } });
  const a = await TestClient.connect(relay.url);
  await a.join('room', 'alice');
  assert.deepEqual(await health(relay), { status: 200, body: { ok: true, rooms: 1, peers: 1, heldOffers: 0 } });
  const closed = once(a.socket, 'close');
  await relay.close();
  await closed;
  await assert.rejects(TestClient.connect(relay.url));
});

/** The relay's command line, as `npx p2p-call-relay ...args` would run it. */
function spawnCli(args: string[], env: Record<string, string> = {}) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  return spawn(process.execPath, ['--import', 'tsx', 'signaling-server/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, PORT: '', HOST: '', MAX_PEERS: '', REDIS_URL: '', HEARTBEAT_MS: '', RATE_LIMIT: '', REDIS_TIMEOUT_MS: '', REDIS_PREFIX: '', REDIS_NODE_TTL_MS: '', TOKEN_SECRET: '', TOKEN_PUBLIC_KEY: '', TURN_URLS: '', TURN_SECRET: '', METRICS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the command line to its end: exit code and what it printed. */
async function runCli(args: string[], env?: Record<string, string>) {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

/** The command line, started: its first line on stdout and the url in it. */
async function startCli(args: string[], env?: Record<string, string>) {
  const child = spawnCli(args, env);
  child.stdout.setEncoding('utf8');
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const match = /^p2p-call relay listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(line);
  assert.ok(match, line);
  return { child, line, url: match[1]! };
}

test('cli: --help says what it takes; a mistyped option, a bad port or a port in use is one clear line', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  const words = ['--port', '--host', '--max-peers', '--redis', '--heartbeat-ms', '--rate-limit', '--redis-timeout-ms', '--redis-prefix', '--redis-node-ttl-ms', '--token-secret-file', '--token-public-key', '--turn', '--turn-secret-file', '--metrics', '--max-connections', '--max-connections-per-address'];
  for (const word of [...words, 'MAX_CONNECTIONS', 'MAX_CONNECTIONS_PER_ADDRESS', 'PORT', 'HOST', 'MAX_PEERS', 'REDIS_URL', 'HEARTBEAT_MS', 'RATE_LIMIT', 'REDIS_TIMEOUT_MS', 'REDIS_PREFIX', 'REDIS_NODE_TTL_MS', 'TOKEN_SECRET', 'TOKEN_PUBLIC_KEY', 'TURN_URLS', 'TURN_SECRET', 'METRICS'])
    assert.ok(help.stdout.includes(word), word);

  const typo = await runCli(['--prot', '9000']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /^p2p-call-relay: .*'--prot'.* \(see --help\)\n$/);

  for (const [args, env] of [[['--port', 'http'], {}], [[], { PORT: '99999' }]] as const) {
    const bad = await runCli([...args], env);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^p2p-call-relay: the port must be a whole number from 0 to 65535, not "(http|99999)" \(see --help\)\n$/);
  }
  for (const [args, env] of [[['--max-peers', '1'], {}], [[], { MAX_PEERS: 'ten' }]] as const) {
    const bad = await runCli([...args], env);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^p2p-call-relay: max-peers must be a whole number from 2 to 64, not "(1|ten)" \(see --help\)\n$/);
  }

  for (const [args, env] of [[['--heartbeat-ms', '50'], {}], [[], { HEARTBEAT_MS: '5s' }]] as const) {
    const bad = await runCli([...args], env);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^p2p-call-relay: heartbeat-ms must be a whole number from 100 to 3600000, not "(50|5s)" \(see --help\)\n$/);
  }
  for (const [args, env] of [[['--rate-limit', '100,32'], {}], [[], { RATE_LIMIT: 'fast' }], [['--rate-limit', '0'], {}]] as const) {
    const bad = await runCli([...args], env);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^p2p-call-relay: the rate limit must be "off", or RATE or RATE,BURST in whole KB \(RATE at least 1, BURST at least 64, the largest message\), not "(100,32|fast|0)" \(see --help\)\n$/);
  }
  for (const [args, env, option] of [
    [['--redis-timeout-ms', '1000'], {}, 'redis-timeout-ms'],
    [['--redis-prefix', 'v2:'], {}, 'redis-prefix'],
    [[], { REDIS_NODE_TTL_MS: '5000' }, 'redis-node-ttl-ms'],
  ] as const) {
    const alone = await runCli([...args], env);
    assert.equal(alone.code, 2);
    assert.equal(alone.stderr, `p2p-call-relay: ${option} is for relays sharing rooms through Redis; give --redis URL too (see --help)\n`);
  }
  const shortTtl = await runCli(['--redis', redisServer.url, '--redis-node-ttl-ms', '500']);
  assert.equal(shortTtl.code, 2);
  assert.equal(shortTtl.stderr, 'p2p-call-relay: redis-node-ttl-ms must be a whole number from 1000 to 3600000, not "500" (see --help)\n');

  const noHost = await runCli(['--host', '999.1.1.1']);
  assert.equal(noHost.code, 2);
  assert.match(noHost.stderr, /^p2p-call-relay: cannot listen on host "999\.1\.1\.1" \(ENOTFOUND\): .* \(see --help\)\n$/);
  // Its password is not for the log.
  const noRedis = await runCli(['--redis', 'redis://relay:s3cret@127.0.0.1:1']);
  assert.equal(noRedis.code, 1);
  assert.match(noRedis.stderr, /^p2p-call-relay: cannot reach Redis at redis:\/\/relay:\*\*\*@127\.0\.0\.1:1: connect ECONNREFUSED [^\n]*\n$/);
  const notRedis = await runCli(['--redis', 'http://127.0.0.1:1']);
  assert.equal(notRedis.code, 2);
  assert.equal(notRedis.stderr, 'p2p-call-relay: the Redis URL must start with redis:// or rediss://, not "http://127.0.0.1:1/" (see --help)\n');
  const negative = await runCli(['--port', '-1']);
  assert.equal(negative.code, 2);
  assert.match(negative.stderr, /^p2p-call-relay: [^\n]*'--port=-XYZ'[^\n]* \(see --help\)\n$/, 'one line');
  const metrics = await runCli([], { METRICS: 'maybe' });
  assert.equal(metrics.code, 2);
  assert.equal(metrics.stderr, 'p2p-call-relay: METRICS must be 1 or 0, not "maybe" (see --help)\n');

  const taken = await createRelay({ port: 0, host: '127.0.0.1' });
  try {
    const busy = await runCli(['--port', String(taken.port), '--host', '127.0.0.1']);
    assert.equal(busy.code, 1);
    assert.equal(busy.stderr, `p2p-call-relay: port ${taken.port} on 127.0.0.1 is in use (another relay?); choose another with --port or PORT\n`);
  } finally {
    await taken.close();
  }
});

test('cli: prints one line with the url, serves with its room size, heartbeat and rate limit, and exits cleanly on SIGTERM', { timeout: 20_000 }, async () => {
  const { child, line, url } = await startCli(['--port', '0', '--max-peers', '2', '--heartbeat-ms', '200'], { HOST: '127.0.0.1', RATE_LIMIT: '1' });
  try {
    let stdout = '';
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    assert.equal(line, `p2p-call relay listening on ${url}`);
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => TestClient.connect(url)));
    await a.join('room', 'alice');
    await b.join('room', 'bob');
    c.send({ type: 'join', room: 'room', peer: 'carol' });
    assert.match((await c.next('error')).message, /is full \(2 peers\)/);
    // Every 200 ms: the default heartbeat (5 s, its first ping at a random point in the first period) pings at most once in 1.5 s.
    let pings = 0;
    a.socket.on('ping', () => pings++);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(pings >= 4, `${pings} pings in 1.5 s`);
    // RATE alone gives bursts of 5 s of it, but never under the largest message (64 KB); each ping counts 1.
    for (let n = 0; n < 70; n++) b.send({ type: 'ping' });
    let pongs = 0;
    let reply = (await b.nextRaw()).message;
    for (; reply.type === 'pong'; reply = (await b.nextRaw()).message) pongs++;
    assert.ok(pongs >= 60 && pongs <= 66, `${pongs} pongs before the first refusal`);
    assert.ok(reply.type === 'error' && reply.code === 'rate-limited', JSON.stringify(reply));
    assert.match(reply.message, /1 KB a second \(bursts of 64 KB/);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    assert.equal(stdout, '', 'nothing on stdout after its one line');
  } finally {
    child.kill('SIGKILL');
  }
});

test('cli: --token-secret-file or TOKEN_SECRET: only signed tokens get in, to their rooms; a short secret or a missing file is one clear line', { timeout: 20_000 }, async (t) => {
  const secret = 'the site and the relay share this, 32 bytes at least';
  const dir = await mkdtemp(path.join(tmpdir(), 'p2p-call-token-'));
  t.after(() => rm(dir, { recursive: true }));
  await writeFile(path.join(dir, 'secret'), `${secret}\n`); // as an editor leaves it
  await writeFile(path.join(dir, 'short'), 'tiny\n');
  const token = await new SignJWT({ room: 'standup' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
  for (const [args, env] of [[['--token-secret-file', path.join(dir, 'secret')], {}], [[], { TOKEN_SECRET: secret }]] as const) {
    const { child, line, url } = await startCli(['--port', '0', ...args], { HOST: '127.0.0.1', ...env });
    try {
      assert.match(line, /\(a signed token needed to join\)$/);
      assert.equal(await TestClient.refusal(url), 4401);
      const client = await TestClient.connect(`${url}/?token=${token}`);
      assert.equal((await client.join('standup', 'alice')).room, 'standup');
      const other = await TestClient.connect(`${url}/?token=${token}`);
      other.send({ type: 'join', room: 'board', peer: 'bob' });
      assert.equal((await other.next('error')).code, 'forbidden');
    } finally {
      child.kill('SIGKILL');
    }
  }
  const short = await runCli(['--token-secret-file', path.join(dir, 'short')]);
  assert.equal(short.code, 2);
  assert.equal(short.stderr, 'p2p-call-relay: the token secret must be at least 32 bytes (256 bits); this one is 4 (see --help)\n');
  const missing = await runCli(['--token-public-key', path.join(dir, 'nope.pem')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^p2p-call-relay: cannot read the --token-public-key file: ENOENT.* \(see --help\)\n$/);
});

test('cli: --turn and --turn-secret-file or TURN_SECRET: clients get credentials; one without the other, or a URL that is not TURN, is one line', { timeout: 20_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'p2p-call-turn-'));
  t.after(() => rm(dir, { recursive: true }));
  await writeFile(path.join(dir, 'secret'), 'from a file\n');
  for (const [args, env, secret] of [
    [['--turn', 'turn:127.0.0.1:3478,turns:t.example:5349'], { TURN_SECRET: 'from the env' }, 'from the env'],
    [['--turn-secret-file', path.join(dir, 'secret')], { TURN_URLS: 'turn:127.0.0.1:3478, turns:t.example:5349' }, 'from a file'],
  ] as const) {
    const { child, line, url } = await startCli(['--port', '0', ...args], { HOST: '127.0.0.1', ...env });
    try {
      assert.match(line, /\(TURN credentials handed out\)$/);
      const [{ urls, username, credential }] = (await (await TestClient.connect(url)).next('ice-servers')).iceServers;
      assert.deepEqual(urls, ['turn:127.0.0.1:3478', 'turns:t.example:5349']);
      assert.equal(credential, createHmac('sha1', secret).update(username!).digest('base64'));
    } finally {
      child.kill('SIGKILL');
    }
  }
  for (const [args, env] of [[['--turn', 'turn:127.0.0.1:3478'], {}], [[], { TURN_SECRET: 'alone' }]] as const) {
    const half = await runCli([...args], env);
    assert.equal(half.code, 2);
    assert.equal(half.stderr, 'p2p-call-relay: TURN needs both its URLs (--turn or TURN_URLS) and its secret (--turn-secret-file or TURN_SECRET) (see --help)\n');
  }
  const http = await runCli(['--turn', 'http://turn.example'], { TURN_SECRET: 's' });
  assert.equal(http.code, 2);
  assert.match(http.stderr, /^p2p-call-relay: TURN URLs must start with turn:, turns: or stun:, not \["http:\/\/turn.example"\] \(see --help\)\n$/);
});

test('cli: --metrics or METRICS=1 serves Prometheus metrics at /metrics', { timeout: 20_000 }, async () => {
  for (const [args, env] of [[['--metrics'], {}], [[], { METRICS: '1' }]] as const) {
    const { child, line, url } = await startCli(['--port', '0', ...args], { HOST: '127.0.0.1', ...env });
    try {
      assert.match(line, /\(metrics at \/metrics\)$/);
      await (await TestClient.connect(url)).join('room', 'alice');
      const text = await (await fetch(`${url.replace('ws:', 'http:')}/metrics`)).text();
      assert.equal(sample(text, 'p2p_call_relay_peers'), 1);
    } finally {
      child.kill('SIGKILL');
    }
  }
});

test('cli: --redis-prefix and --redis-node-ttl-ms: the keys a relay keeps, and how long its presence lasts', async (t) => {
  const { child, url } = await startCli(['--port', '0', '--redis', redisServer.url], { HOST: '127.0.0.1', REDIS_PREFIX: 'cli-v2:', REDIS_NODE_TTL_MS: '4000' });
  t.after(() => child.kill('SIGKILL'));
  const inspector = new Redis(redisServer.url);
  t.after(() => inspector.disconnect());
  const a = await TestClient.connect(url);
  t.after(() => a.close());
  await a.join('room', 'alice');
  const nodes = await inspector.keys('cli-v2:node:*');
  assert.equal(nodes.length, 1, 'this relay’s presence, under its prefix');
  const ttl = await inspector.pttl(nodes[0]!);
  assert.ok(ttl > 0 && ttl <= 4000, `presence expires within the node TTL (${ttl} ms left)`);
  assert.ok((await inspector.keys('cli-v2:room:*')).length > 0, 'the room, under the prefix');
});

test('cli: --redis-timeout-ms: a frame Redis does not answer in that long closes its socket with 1013', { timeout: 20_000 }, async (t) => {
  const hanging = await startRedisServer(); // its own: it is stopped with SIGSTOP
  t.after(() => hanging.stop());
  const { child, line, url } = await startCli(['--port', '0', '--redis', hanging.url, '--redis-timeout-ms', '300'], { HOST: '127.0.0.1' });
  t.after(() => child.kill('SIGKILL'));
  assert.match(line, /\(rooms shared through Redis\)$/);
  const a = await TestClient.connect(url);
  await a.join('room', 'alice');
  process.kill(hanging.pid, 'SIGSTOP');
  try {
    a.send({ type: 'status', status: { name: 'alice' } });
    // The default (5 s) would still be waiting at 2 s.
    const closed = once(a.socket, 'close').then(([code]) => code as number);
    assert.equal(await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000, 'still open at 2 s'))]), 1013);
  } finally {
    process.kill(hanging.pid, 'SIGCONT');
  }
});
