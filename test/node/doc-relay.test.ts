/**
 * test/e2e/doc-relay.ts, a relay written from docs/protocol.md alone, proves
 * that <p2p-call> works with any relay that speaks the protocol; it proves
 * that only while it keeps to the page. The page's rules for a `candidate`,
 * at and one past each limit, and for text, must get the same answers from it
 * as from the real relay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRelay } from '../../signaling-server/index.js';
import { startDocRelay } from '../e2e/doc-relay.js';
import { TestClient } from './relay-client.js';

/** A candidate `bytes` long as JSON, in UTF-8: its é takes 2. */
function sized(bytes: number) {
  const init = { candidate: 'é' };
  init.candidate += 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(init)));
  return init;
}

const SDP = `v=0 ${'x'.repeat(59_996)}`;
/** Each `candidate` for one new held offer of SDP: the answer to each, `ok` or an error code. */
const cases: { candidates: unknown[]; answers: string[] }[] = [
  { candidates: [{}, { sdpMid: '0' }], answers: ['bad-message', 'bad-message'] }, // `candidate.candidate` is required
  { candidates: [{ candidate: '' }, { candidate: 'c'.repeat(4096) }, { candidate: 'c'.repeat(4097) }], answers: ['ok', 'ok', 'bad-message'] },
  { candidates: [{ candidate: '', sdpMid: null }, { candidate: '', sdpMid: 'm'.repeat(64) }, { candidate: '', sdpMid: 'm'.repeat(65) }], answers: ['ok', 'ok', 'bad-message'] },
  {
    candidates: [{ candidate: '', usernameFragment: null }, { candidate: '', usernameFragment: 'u'.repeat(256) }, { candidate: '', usernameFragment: 'u'.repeat(257) }],
    answers: ['ok', 'ok', 'bad-message'],
  },
  { candidates: [{ candidate: '', sdpMLineIndex: 0 }, { candidate: '', sdpMLineIndex: -1 }], answers: ['ok', 'bad-message'] },
  // MAX_HELD_BYTES: the sdp plus each candidate as JSON, in UTF-8 bytes.
  { candidates: [sized(2000), sized(65536 - SDP.length - 2000)], answers: ['ok', 'ok'] },
  { candidates: [sized(2000), sized(65536 - SDP.length - 2000 + 1)], answers: ['ok', 'too-many-candidates'] },
];

async function answers(url: string): Promise<string[][]> {
  const alice = await TestClient.connect(url);
  await alice.join('room', 'alice');
  const all: string[][] = [];
  for (const [n, { candidates }] of cases.entries()) {
    alice.send({ type: 'offer', offerId: `o${n}`, sdp: SDP });
    const answered: string[] = [];
    for (const candidate of candidates) {
      alice.send({ type: 'candidate', offerId: `o${n}`, candidate });
      alice.send({ type: 'ping' }); // a pong first: no error
      const { message } = await alice.nextRaw();
      answered.push(message.type === 'error' ? message.code : 'ok');
      if (message.type === 'error') await alice.next('pong');
    }
    all.push(answered);
  }
  await alice.close();
  return all;
}

test('doc-relay answers the page’s candidate rules as the real relay does', async (t) => {
  const [doc, real] = await Promise.all([startDocRelay(), createRelay({ port: 0 })]);
  t.after(() => Promise.all([doc.close(), real.close()]));
  const expected = cases.map(({ answers }) => answers);
  assert.deepEqual(await answers(real.url), expected, 'the real relay');
  assert.deepEqual(await answers(doc.url), expected, 'doc-relay');
});

/** Joins whose room or names are text, or hold half a surrogate pair (no text): `welcome` or an error code. */
const joins: object[] = [
  { room: 'r😀', name: '😀', status: { name: '😀' } },
  { room: 'r\ud800' },
  { room: 'r', name: 'x\udc00' },
  { room: 'r', status: { name: '\ud83dx' } },
];

async function joinAnswers(url: string): Promise<string[]> {
  const answered: string[] = [];
  for (const join of joins) {
    const client = await TestClient.connect(url);
    client.send({ type: 'join', ...join });
    const { message } = await client.nextRaw();
    answered.push(message.type === 'error' ? message.code : message.type);
    await client.close();
  }
  return answered;
}

test('doc-relay refuses half a surrogate pair in a room or name as the real relay does', async (t) => {
  const [doc, real] = await Promise.all([startDocRelay(), createRelay({ port: 0 })]);
  t.after(() => Promise.all([doc.close(), real.close()]));
  const expected = ['welcome', 'bad-message', 'bad-message', 'bad-message'];
  assert.deepEqual(await joinAnswers(real.url), expected, 'the real relay');
  assert.deepEqual(await joinAnswers(doc.url), expected, 'doc-relay');
});
