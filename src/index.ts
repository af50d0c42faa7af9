/**
 * p2p-call: importing this module defines `<p2p-call>`.
 */
import { P2PCallElement } from './p2p-call/p2p-call.js';

export { P2PCallElement };
export type { P2PCallEventDetails, P2PCallEventName, P2PErrorCode } from './p2p-call/events.js';
export { DEFAULT_STRINGS, type Strings } from './p2p-call/strings.js';
export type { RemotePeer } from './room/room-session.js';
export type { SignalingState } from './signaling/signaling-client.js';

if (!customElements.get('p2p-call')) customElements.define('p2p-call', P2PCallElement);

declare global {
  interface HTMLElementTagNameMap {
    'p2p-call': P2PCallElement;
  }
}
