/**
 * TURN credentials the relay hands its clients (the `ice-servers` message), so
 * that a page need not carry any: coturn's shared-secret scheme
 * (`use-auth-secret`, the "TURN REST API" of draft-uberti-behave-turn-rest),
 * fresh for every socket.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IceServersMessage } from '../src/protocol/messages.js';

/**
 * The ICE server URLs browsers take (RFC 7064, RFC 7065): a host name, IPv4
 * address or [IPv6] address, an optional port, and for TURN an optional
 * transport of udp or tcp (Chromium refuses any other).
 */
const HOST_PORT = String.raw`(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?`;
const BROWSER_ICE_URL = new RegExp(String.raw`^(?:turns?:${HOST_PORT}(?:\?transport=(?:udp|tcp))?|stun:${HOST_PORT})$`, 'i');

export interface TurnOptions {
  /** The TURN server's URLs (`turn:`, `turns:`; `stun:` too). */
  urls: string | string[];
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** How long a credential may open new allocations. Default a day. */
  ttlSeconds?: number;
}

/**
 * Checks the options (a mistake throws when the relay starts, not at the
 * first connection) and returns what makes one socket's `ice-servers` frame.
 */
export function turnCredentials({ urls, secret, ttlSeconds = 86_400 }: TurnOptions): () => string {
  const list = typeof urls === 'string' ? [urls] : [...urls];
  if (!list.length || !list.every((url) => /^(turns?|stun):/.test(url)))
    throw new TypeError(`TURN URLs must start with turn:, turns: or stun:, not ${JSON.stringify(urls)}`);
  // A URL the browsers cannot parse makes every RTCPeerConnection of every page throw.
  const unparsable = list.find((url) => !BROWSER_ICE_URL.test(url));
  if (unparsable !== undefined)
    throw new TypeError(`TURN URL ${JSON.stringify(unparsable)} is not one browsers take: turn:HOST[:PORT][?transport=udp|tcp], turns:… or stun:HOST[:PORT]`);
  if (!secret) throw new TypeError('the TURN secret is empty');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60)
    throw new RangeError(`the TURN credentials' ttlSeconds must be a whole number of at least 60, not ${ttlSeconds}`);
  return () => {
    // expiry:anything; the random part tells one socket's allocations from another's in coturn's logs.
    const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:${randomBytes(6).toString('base64url')}`;
    const credential = createHmac('sha1', secret).update(username).digest('base64');
    const message: IceServersMessage = { type: 'ice-servers', iceServers: [{ urls: list, username, credential }] };
    return JSON.stringify(message);
  };
}
