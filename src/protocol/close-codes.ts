/**
 * WebSocket close codes of the protocol's own (docs/protocol.md, "Close
 * codes"), apart from messages.ts so that the element can import them
 * without the validator. A browser sees a close code but never the HTTP
 * status of a refused upgrade, so anything a page must be told about its
 * connection is said with one of these.
 */

/** Another socket joined with my peer id: do not reconnect, or the two evict each other forever. */
export const REPLACED = 4001;

/** The relay's authorize() refused this connection (4000 + HTTP 401, as graphql-ws does). */
export const UNAUTHORIZED = 4401;
