/**
 * Signed tokens (JWT) for deciding who may join which room without code on
 * the relay: the site that serves the page signs a token naming the rooms its
 * bearer may join, and puts it in the element's address
 * (`server="wss://relay.example?token=…"`; the element keeps the query). The
 * relay checks it before the handshake. This is what `p2p-call-relay
 * --token-secret-file` runs; `RelayOptions.authorize` is the general hook.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JWTPayload } from 'jose';
import type { Access } from './relay.js';
import { requestQuery } from './request-target.js';

export interface TokenOptions {
  /** The secret the site signs with (HS256, HS384, HS512): at least 32 bytes. */
  secret?: string | Uint8Array;
  /** Or the public key (PEM) of the private key the site signs with (RSA, ECDSA, Ed25519). */
  publicKey?: string;
}

/** Only the algorithms of the key given: never `none`, never an HMAC keyed by a public key. */
const HMAC = ['HS256', 'HS384', 'HS512'];
const SIGNATURES = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * An `authorize` for createRelay that lets in sockets whose URL has a
 * `token` this key verifies (signature; `exp`, which it must have, since a
 * token that never expires opens its rooms forever; `nbf` when present), to the
 * rooms the token names (see roomAccess). Anything else is refused (4401). A bad key
 * throws here, when the relay starts, not at the first connection.
 */
export function tokenAuthorizer({ secret, publicKey }: TokenOptions): (request: IncomingMessage) => Promise<Access> {
  if ((secret === undefined) === (publicKey === undefined)) throw new TypeError('give a token secret or a public key, one of the two');
  let key: Uint8Array | KeyObject;
  let algorithms: string[];
  if (secret !== undefined) {
    key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (key.length < 32) throw new RangeError(`the token secret must be at least 32 bytes (256 bits); this one is ${key.length}`);
    algorithms = HMAC;
  } else {
    key = publicKeyOf(publicKey!);
    algorithms = SIGNATURES;
  }
  // Loaded once tokens are in use: a relay without them never loads jose.
  const jose = import('jose');
  return async (request) => {
    const token = requestQuery(request.url).get('token');
    if (!token) return false;
    const { jwtVerify } = await jose;
    const claims = await jwtVerify(token, key, { algorithms, requiredClaims: ['exp'] }).then(({ payload }) => payload, () => undefined);
    return claims ? roomAccess(claims) : false;
  };
}

/**
 * The key tokens are checked with. A private key is refused, though Node
 * would derive the public key from it: the relay must never hold what signs.
 */
function publicKeyOf(pem: string): KeyObject {
  let isPrivate = true;
  try {
    createPrivateKey(pem);
  } catch {
    isPrivate = false;
  }
  if (isPrivate) throw new TypeError('the token key is a private key: give the relay its public key (openssl pkey -pubout), so that it never holds what signs tokens');
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new TypeError(`the token public key is not a public key in PEM (-----BEGIN PUBLIC KEY-----): ${(error as Error).message}`);
  }
}

/**
 * A token's `room` and `rooms` claims (each a name or a list of names) are the
 * rooms it opens; a token with neither opens every room, for a site that only
 * decides who may call. A claim holding anything but names refuses the token
 * rather than guess what it meant.
 */
function roomAccess({ room, rooms }: JWTPayload): Access {
  if (room === undefined && rooms === undefined) return true;
  const names: unknown[] = [room ?? [], rooms ?? []].flat();
  if (!names.every((name) => typeof name === 'string')) return false;
  const allowed = new Set(names);
  return (name) => allowed.has(name);
}
