import type { PeerStatus } from '../protocol/messages.js';
import type { SignalingState } from '../signaling/signaling-client.js';
import type { GivenUpReason, PeerLeftReason, SessionErrorCode } from '../room/room-session.js';
import type { MediaKind } from '../negotiation/peer-negotiator.js';
import type { MediaErrorCode } from '../controllers/media-controller.js';

/**
 * Every `p2p-error` code (README, Events), so that a page's check of one is
 * checked too: the camera's and microphone's, the relay's (its refusals
 * included), a connection given up, an attribute that is no value, and a screen that could not be shared.
 */
export type P2PErrorCode =
  | MediaErrorCode
  | SessionErrorCode
  | `peer-${GivenUpReason}`
  | 'bad-server'
  | 'bad-room'
  | 'bad-ice-servers'
  | 'screen-failed'
  | 'turn-failed';

/**
 * Every event the element fires, with its `detail`. All bubble and are
 * composed, so a page can listen on the element or on any ancestor.
 */
export interface P2PCallEventDetails {
  'p2p-joined': { room: string; peer: string };
  'p2p-left': { room: string };
  'p2p-peer-joined': { peer: string; name?: string };
  'p2p-peer-left': { peer: string; name?: string; reason: PeerLeftReason };
  'p2p-remote-stream': { peer: string; stream: MediaStream };
  'p2p-connection-state': { peer: string; state: RTCPeerConnectionState };
  'p2p-peer-status': { peer: string; status: PeerStatus };
  'p2p-signaling-state': { state: SignalingState };
  'p2p-local-stream': { stream: MediaStream | null };
  'p2p-media-change': { audio: boolean; video: boolean; screen: boolean };
  'p2p-device-change': { kind: MediaKind; deviceId: string };
  'p2p-speaking': { peer: string; speaking: boolean };
  'p2p-error': { code: P2PErrorCode; message: string };
}

export type P2PCallEventName = keyof P2PCallEventDetails;

export function emit<K extends P2PCallEventName>(
  target: EventTarget,
  type: K,
  detail: P2PCallEventDetails[K],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** Every p2p-call event as the DOM types it, for addEventListener. */
export type P2PCallEventMap = { [K in P2PCallEventName]: CustomEvent<P2PCallEventDetails[K]> };

declare global {
  // The map that the element's, document's and window's own maps extend: the events bubble up to all three.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface GlobalEventHandlersEventMap extends P2PCallEventMap {}
}
