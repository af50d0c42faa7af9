import type { PeerStatus } from '../protocol/messages.js';
import type { SignalingState } from '../signaling/signaling-client.js';
import type { PeerLeftReason } from '../room/room-session.js';

/**
 * Every event the element fires, with its `detail`. All bubble and are
 * composed, so a page can listen on the element or on any ancestor.
 */
export interface P2PCallEventDetails {
  'p2p-joined': { room: string; peer: string };
  'p2p-left': { room: string };
  'p2p-peer-joined': { peer: string; name?: string };
  'p2p-peer-left': { peer: string; reason: PeerLeftReason };
  'p2p-remote-stream': { peer: string; stream: MediaStream };
  'p2p-connection-state': { peer: string; state: RTCPeerConnectionState };
  'p2p-peer-status': { peer: string; status: PeerStatus };
  'p2p-signaling-state': { state: SignalingState };
  'p2p-local-stream': { stream: MediaStream | null };
  'p2p-media-change': { audio: boolean; video: boolean };
  'p2p-error': { code: string; message: string };
}

export type P2PCallEventName = keyof P2PCallEventDetails;

export function emit<K extends P2PCallEventName>(
  target: EventTarget,
  type: K,
  detail: P2PCallEventDetails[K],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'p2p-joined': CustomEvent<P2PCallEventDetails['p2p-joined']>;
    'p2p-left': CustomEvent<P2PCallEventDetails['p2p-left']>;
    'p2p-peer-joined': CustomEvent<P2PCallEventDetails['p2p-peer-joined']>;
    'p2p-peer-left': CustomEvent<P2PCallEventDetails['p2p-peer-left']>;
    'p2p-remote-stream': CustomEvent<P2PCallEventDetails['p2p-remote-stream']>;
    'p2p-connection-state': CustomEvent<P2PCallEventDetails['p2p-connection-state']>;
    'p2p-peer-status': CustomEvent<P2PCallEventDetails['p2p-peer-status']>;
    'p2p-signaling-state': CustomEvent<P2PCallEventDetails['p2p-signaling-state']>;
    'p2p-local-stream': CustomEvent<P2PCallEventDetails['p2p-local-stream']>;
    'p2p-media-change': CustomEvent<P2PCallEventDetails['p2p-media-change']>;
    'p2p-error': CustomEvent<P2PCallEventDetails['p2p-error']>;
  }
}
