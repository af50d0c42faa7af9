/**
 * Signed tokens (signaling-server/tokens.ts) on a real relay with real `ws`
 * clients: tokens are signed here with jose, as a site would sign them.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { createRelay, tokenAuthorizer, type TokenOptions } from '../../signaling-server/index.js';
import { TestClient } from './relay-client.js';

const SECRET = 'a secret of the site, at least 32 bytes long';

/** A relay checking tokens with `options`, closed when the test ends, and how to connect with a token. */
async function relayWith(t: { after(fn: () => unknown): void }, options: TokenOptions) {
  const relay = await createRelay({ port: 0, authorize: tokenAuthorizer(options) });
  t.after(() => relay.close());
  const address = (token?: string) => (token === undefined ? relay.url : `${relay.url}/?token=${encodeURIComponent(token)}`);
  return {
    connect: (token: string) => TestClient.connect(address(token)),
    refusal: (token?: string) => TestClient.refusal(address(token)),
  };
}

function hs256(claims: JWTPayload, secret = SECRET, expires = '1h'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expires).sign(new TextEncoder().encode(secret));
}

test('tokens: a valid token opens the rooms it names; others get forbidden, and a token naming none opens every room', async (t) => {
  const { connect } = await relayWith(t, { secret: SECRET });
  const one = await connect(await hs256({ room: 'standup' }));
  one.send({ type: 'join', room: 'board', peer: 'alice' });
  assert.equal((await one.next('error')).code, 'forbidden');
  assert.equal((await one.join('standup', 'alice')).room, 'standup');

  const list = await connect(await hs256({ rooms: ['a', 'b'] }));
  assert.equal((await list.join('b', 'bob')).room, 'b');
  const every = await connect(await hs256({ sub: 'carol' }));
  assert.equal((await every.join('anything', 'carol')).room, 'anything');
});

test('tokens: none, a wrong signature, expired, never expiring, unsigned, or rooms that are not names: closed with 4401', async (t) => {
  const { refusal } = await relayWith(t, { secret: SECRET });
  const unsigned = new UnsecuredJWT({ room: 'standup' }).encode();
  const cases: [string, string | undefined][] = [
    ['no token', undefined],
    ['not a JWT', 'hello'],
    ['another secret', await hs256({ room: 'standup' }, 'another secret, also 32 bytes or more')],
    ['expired', await hs256({ room: 'standup' }, SECRET, '-1m')],
    ['no exp', await new SignJWT({ room: 'standup' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET))],
    ['alg none', unsigned],
    ['a room that is a number', await hs256({ room: 7 })],
    ['rooms holding an object', await hs256({ rooms: ['a', { all: true }] })],
  ];
  for (const [what, token] of cases) assert.equal(await refusal(token), 4401, what);
});

test('tokens: with a public key, its signature is checked, and an HMAC keyed by that public key is refused', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const { connect, refusal } = await relayWith(t, { publicKey: pem });
  const signed = await new SignJWT({ room: 'standup' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('1h').sign(privateKey);
  assert.equal((await (await connect(signed)).join('standup', 'alice')).room, 'standup');
  // The classic confusion: a forger who knows the public key signs HS256 with it as the secret.
  const forged = await hs256({ room: 'standup' }, pem);
  assert.equal(await refusal(forged), 4401);
});

test('tokens: a bad key is an error when the relay starts, not at the first connection', () => {
  assert.throws(() => tokenAuthorizer({ secret: 'short' }), /at least 32 bytes \(256 bits\); this one is 5/);
  assert.throws(() => tokenAuthorizer({}), /a token secret or a public key, one of the two/);
  assert.throws(() => tokenAuthorizer({ secret: SECRET, publicKey: 'x' }), /one of the two/);
  assert.throws(() => tokenAuthorizer({ publicKey: 'not a PEM' }), /the token public key is not a public key in PEM/);
  // Node would derive the public key from it; the relay must not hold what signs.
  const { privateKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  assert.throws(() => tokenAuthorizer({ publicKey: privatePem }), /is a private key: give the relay its public key/);
});
