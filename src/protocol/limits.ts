/**
 * Lengths the relay accepts for strings a page chooses. Apart from
 * messages.ts so that the element can import them without the validator.
 */
export const MAX_ROOM_LENGTH = 128;
export const MAX_NAME_LENGTH = 64;
/** A room's size that a join may ask for (`maxPeers`), and a relay may be given. */
export const MIN_PEERS = 2;
export const MAX_PEERS = 64;
/** A room's size when neither the page nor the relay's operator chose one. */
export const DEFAULT_MAX_PEERS = 6;
