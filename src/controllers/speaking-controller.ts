import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { emit } from '../p2p-call/events.js';

/** Audio level (0–1, as in WebRTC stats) above which someone counts as speaking. */
const LOUD = 0.03;
/** Speech has gaps between words; stay "speaking" this long after the last loud sample. */
const HOLD_MS = 700;
const SAMPLE_MS = 250;
/** Firefox's getStats never settles on a connection closed while it runs: a sample waits no longer for it, or sampling would stop for good. */
const STATS_WAIT_MS = 1000;

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
  /** A sample is waiting for its stats: on a slow phone getStats can take longer than SAMPLE_MS, and samples must not pile up. */
  #sampling = false;

  readonly #host: SpeakingHost;

  constructor(host: SpeakingHost) {
    this.#host = host;
    host.addController(this);
  }

  /**
   * Samples only while there is someone to hear: levels come from the
   * connections, so an element waiting alone, or out of a call, would wake
   * four times a second for nothing. Updates follow every join.
   */
  hostUpdated(): void {
    if (this.#timer === undefined && this.#host.connections().length)
      this.#timer = setInterval(() => {
        if (this.#sampling) return;
        this.#sampling = true;
        void this.#sample().finally(() => (this.#sampling = false));
      }, SAMPLE_MS);
  }

  hostDisconnected(): void {
    this.#stop();
    this.speaking.clear();
    this.#lastLoud.clear();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #sample(): Promise<void> {
    const now = performance.now();
    const connections = this.#host.connections();
    // Alone again: this sample, the last, says that everyone stopped speaking (me too: nobody hears me).
    if (!connections.length) this.#stop();
    const late = new Promise<undefined>((resolve) => setTimeout(resolve, STATS_WAIT_MS));
    const reports = await Promise.all(connections.map(([, pc]) => Promise.race([pc.getStats(), late]).catch(() => undefined)));
    const heard = new Set(connections.length ? [this.#host.peerId] : []);
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
