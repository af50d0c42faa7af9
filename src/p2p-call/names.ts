/** How names are sent (fitName) and shown (displayName). */
import { MAX_NAME_LENGTH } from '../protocol/limits.js';
import { format } from './strings.js';

/** My name as the relay takes it: at most MAX_NAME_LENGTH UTF-16 units, never half an emoji; cut, it ends in "…", so the others see it was. */
export function fitName(name: string): string {
  return name.length <= MAX_NAME_LENGTH ? name : `${name.slice(0, MAX_NAME_LENGTH - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

/**
 * How a peer is called on screen: their name, or `guest` (strings.guest)
 * with the start of their id, the same for everyone in the call, short for a
 * screen reader to spell. Isolated (FSI…PDI), so that a right-to-left name in
 * a sentence or a list of names does not reorder the text around it.
 */
export function displayName(name: string | undefined, id: string, guest: string): string {
  return `\u2068${name || format(guest, { id: id.slice(0, 4) })}\u2069`;
}
