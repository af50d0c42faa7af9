/**
 * Property-based tests: whatever arrives, the relay answers and keeps going.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { createRelay } from '../../signaling-server/index.js';
import { clientMessageSchemas, ERROR_CODES } from '../../src/protocol/messages.js';
import { startRedisServer } from './redis-server.js';
import { TestClient } from './relay-client.js';

const MAX_BYTES = 300; // small, so long frames exercise too-large
const types = Object.keys(clientMessageSchemas);

/** Field names the protocol uses (and some it forbids), so objects often get past the first checks. */
const field = fc.constantFrom(
  'type', 'room', 'peer', 'name', 'maxPeers', 'status', 'offerId', 'sdp', 'to',
  'candidate', 'description', 'from', 'audio', '__proto__', 'constructor',
);
const typeValue = fc.oneof(fc.constantFrom(...types, 'constructor', '__proto__', 'pong', 'error'), fc.string(), fc.jsonValue());
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('x', 'r', 'a-b_9', 'bad id', null, 2, 64, {}));
/** Written by hand so duplicate keys and `__proto__` reach the relay verbatim. */
const protocolish = fc
  .tuple(typeValue, fc.array(fc.tuple(field, value), { maxLength: 5 }), fc.constantFrom('', ' ', '\n\t '))
  .map(([type, fields, space]) => {
    const entries = [['type', type], ...fields].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    return `${space}{${entries.join(',')}}`;
  });

/** Valid messages, some with one field dropped or changed, to reach the relay's deeper checks. */
const nearlyValid = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(
      { type: 'join', room: 'fuzz' },
      { type: 'join', room: 'fuzz', peer: 'f', name: 'F', maxPeers: 3, status: { audio: true } },
      { type: 'offer', offerId: 'o', sdp: 'v=0' },
      { type: 'candidate', offerId: 'o', candidate: null },
      { type: 'candidate', to: 'x', candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } },
      { type: 'description', to: 'x', description: { type: 'offer', sdp: 'v=0' } },
      { type: 'status', status: { video: false } },
      { type: 'leave' },
      { type: 'ping' },
    ),
    fc.option(fc.tuple(field, fc.option(value))),
  )
  .map(([message, change]) => {
    const changed = { ...message };
    if (change && change[1] === null) delete changed[change[0]];
    else if (change) Object.defineProperty(changed, change[0], { value: change[1], enumerable: true });
    return JSON.stringify(changed);
  });

type Frame = { text: string } | { bytes: Uint8Array };
/** Up to twice MAX_BYTES: past that a frame closes its socket (1009), as relay.test.ts checks. */
const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }).map((text) => ({ text })),
  fc.json({ maxDepth: 3 }).map((text) => ({ text })),
  fc.object().map((o) => ({ text: JSON.stringify(o) })),
  protocolish.map((text) => ({ text })),
  nearlyValid.map((text) => ({ text })),
  nearlyValid.map((text) => ({ text })),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes })),
).filter((f) => ('text' in f ? Buffer.byteLength(f.text) : f.bytes.length) <= 2 * MAX_BYTES);

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

for (const mode of ['memory', 'redis'] as const) {
  test(`arbitrary frames: never a crash, one reply each, and the socket still answers ping [${mode}]`, async (t) => {
    const redisServer = mode === 'redis' ? await startRedisServer() : undefined;
    // No rate limit: one socket sends ~1000 frames as fast as the replies come.
    const relay = await createRelay({ port: 0, maxMessageBytes: MAX_BYTES, rateLimit: false, redis: redisServer?.url });
    t.after(async () => {
      await relay.close();
      await redisServer?.stop();
    });
    const bystander = await TestClient.connect(relay.url);
    await bystander.join('bystanders-only-room', 'bystander');
    const fuzzer = await TestClient.connect(relay.url);

    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        const text = 'text' in f ? f.text : undefined;
        const value = text !== undefined && Buffer.byteLength(text) <= MAX_BYTES ? parsed(text) : undefined;
        fuzzer.send('text' in f ? f.text : f.bytes);
        fuzzer.send({ type: 'ping' });

        const reply = (await fuzzer.nextRaw()).message;
        if (isDeepStrictEqual(value, { type: 'ping' })) {
          assert.equal(reply.type, 'pong');
        } else if (reply.type === 'welcome') {
          assert.equal((value as { type: unknown }).type, 'join');
          fuzzer.send({ type: 'leave' }); // back to the not-joined state for the next frame
        } else {
          assert.equal(reply.type, 'error', JSON.stringify(reply));
          assert.ok(ERROR_CODES.includes(reply.code));
          if (text === undefined) assert.equal(reply.code, 'bad-json');
          else if (Buffer.byteLength(text) > MAX_BYTES) assert.equal(reply.code, 'too-large');
          const type = (value as { type?: unknown } | undefined)?.type;
          assert.equal(reply.ref, typeof type === 'string' ? type : undefined);
        }
        await fuzzer.next('pong'); // exactly one reply came before it
        assert.equal(fuzzer.socket.readyState, WebSocket.OPEN);
      }),
      { numRuns: 400, endOnFailure: true }, // one shared socket: after a failure, shrinking would only chase leftovers
    );

    await bystander.quiet();
    assert.deepEqual(relay.stats(), { rooms: 1, peers: 1, heldOffers: 0 });
  });
}

for (const mode of ['memory', 'redis'] as const) {
  test(`random valid traffic between four sockets leaves nothing behind once they close [${mode}]`, async (t) => {
    // With Redis: two relays sharing rooms (sockets alternate between them), and afterwards no key of theirs is left in Redis.
    const redisServer = mode === 'redis' ? await startRedisServer() : undefined;
    const redis = redisServer && { url: redisServer.url, prefix: 'fuzz:' };
    const relays = await Promise.all((redis ? [0, 1] : [0]).map(() => createRelay({ port: 0, maxPeersPerRoom: 3, redis })));
    const inspector = redisServer && new Redis(redisServer.url);
    t.after(async () => {
      inspector?.disconnect();
      await Promise.all(relays.map((relay) => relay.close()));
      await redisServer?.stop();
    });
    const leftovers = async () => ({
      peers: relays.reduce((sum, relay) => sum + relay.stats().peers + relay.stats().heldOffers + relay.stats().rooms, 0),
      keys: inspector ? await inspector.keys('fuzz:room:*') : [],
    });

    const id = fc.constantFrom('p1', 'p2', 'p3');
    const offerId = fc.constantFrom('o1', 'o2');
    const message = fc.oneof(
      fc.record({ type: fc.constant('join'), room: fc.constantFrom('r1', 'r2'), peer: id }),
      fc.constant({ type: 'leave' }),
      fc.record({ type: fc.constant('offer'), offerId, sdp: fc.constant('sdp') }),
      fc.record({ type: fc.constant('candidate'), offerId, candidate: fc.constant(null) }),
      fc.record({ type: fc.constant('candidate'), to: id, candidate: fc.constant(null) }),
      fc.record({ type: fc.constant('description'), to: id, description: fc.constant({ type: 'answer' as const }) }),
      fc.record({ type: fc.constant('status'), status: fc.record({ audio: fc.boolean() }, { requiredKeys: [] }) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(3), message), { maxLength: 40 }), async (script) => {
        const clients = await Promise.all([0, 1, 2, 3].map((i) => TestClient.connect(relays[i % relays.length]!.url)));
        for (const [who, m] of script) clients[who]!.send(m);
        const open = clients.filter((c) => c.socket.readyState === WebSocket.OPEN);
        await Promise.all(open.map((c) => c.close()));
        // The relay handles each socket's close in order; poll briefly for the last ones.
        let left = await leftovers();
        for (let i = 0; i < 100 && (left.peers > 0 || left.keys.length > 0); i++) {
          await new Promise((r) => setTimeout(r, 5));
          left = await leftovers();
        }
        assert.deepEqual(left, { peers: 0, keys: [] });
      }),
      { numRuns: 60, endOnFailure: true },
    );
  });
}
