/**
 * What MAX_HELD_BYTES caps, counted here for every way of keeping rooms, so
 * that a candidate one relay keeps no other refuses: a held offer's `sdp`
 * plus each of its candidates as JSON (JSON.stringify of the parsed
 * candidate), in UTF-8 bytes. How a store keeps them (Redis puts the offerId,
 * spaces and commas around them) does not count.
 */
export function heldBytes(text: string): number {
  return Buffer.byteLength(text);
}
