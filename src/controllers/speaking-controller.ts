import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { emit } from '../p2p-call/events.js';

/** Audio level (0–1, as in WebRTC stats) above which someone counts as speaking. */
const LOUD = 0.03;
/** Speech has gaps between words; stay "speaking" this long after the last loud sample. */
const HOLD_MS = 700;
const SAMPLE_MS = 250;

export interface SpeakingHost extends ReactiveControllerHost, HTMLElement {
  readonly peerId: string;
  /** The connections to sample, by remote peer id. */
  connections(): [string, RTCPeerConnection][];
}

/**
 * Who is speaking, from the audio levels WebRTC already measures: `getStats`
 * reports each remote's level (inbound-rtp) and my own (media-source), so no
 * AudioContext is needed and autoplay rules do not get in the way.
 */
export class SpeakingController implements ReactiveController {
  readonly speaking = new Set<string>();
  readonly #lastLoud = new Map<string, number>();
  #timer?: ReturnType<typeof setInterval>;

  readonly #host: SpeakingHost;

  constructor(host: SpeakingHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    this.#timer = setInterval(() => void this.#sample(), SAMPLE_MS);
  }

  hostDisconnected(): void {
    clearInterval(this.#timer);
    this.speaking.clear();
    this.#lastLoud.clear();
  }

  async #sample(): Promise<void> {
    const now = performance.now();
    const connections = this.#host.connections();
    const reports = await Promise.all(connections.map(([, pc]) => pc.getStats().catch(() => undefined)));
    const heard = new Set([this.#host.peerId]);
    connections.forEach(([peer, ], i) => {
      heard.add(peer);
      reports[i]?.forEach((r) => {
        if (r.kind !== 'audio' || !(r.audioLevel > LOUD)) return;
        if (r.type === 'inbound-rtp') this.#lastLoud.set(peer, now);
        if (r.type === 'media-source') this.#lastLoud.set(this.#host.peerId, now);
      });
    });
    // Only those still here: over a long call with people coming and going, the map would only grow.
    for (const peer of this.#lastLoud.keys()) if (!heard.has(peer)) this.#lastLoud.delete(peer);
    for (const peer of new Set([...heard, ...this.speaking])) {
      const speaking = heard.has(peer) && now - (this.#lastLoud.get(peer) ?? -Infinity) < HOLD_MS;
      if (speaking === this.speaking.has(peer)) continue;
      if (speaking) this.speaking.add(peer);
      else this.speaking.delete(peer);
      emit(this.#host, 'p2p-speaking', { peer, speaking });
      this.#host.requestUpdate();
    }
  }
}
