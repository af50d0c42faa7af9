import { expect } from 'chai';
import '../../src/index.js';
import type { P2PCallElement } from '../../src/index.js';
import { relayUrl } from './relay-url.js';

export { relayUrl };

export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Puts a `<p2p-call>` on the page; removed again by `removeAll()`. */
export function mountCall(attributes: Record<string, string | true>): P2PCallElement {
  const element = document.createElement('p2p-call');
  for (const [name, value] of Object.entries({ server: relayUrl, ...attributes }))
    element.setAttribute(name, value === true ? '' : value);
  document.body.append(element);
  return element;
}

export function removeAll(): void {
  document.querySelectorAll('p2p-call').forEach((element) => element.remove());
}

/** Polls until `check` returns something truthy; fails with `what` after `timeout` ms. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeout = 10_000): Promise<T> {
  const deadline = performance.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function nextEvent<K extends keyof HTMLElementEventMap>(
  target: HTMLElement,
  type: K,
  timeout = 10_000,
): Promise<HTMLElementEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No ${type} event within ${timeout} ms`)), timeout);
    target.addEventListener(
      type,
      (event) => {
        clearTimeout(timer);
        resolve(event);
      },
      { once: true },
    );
  });
}

export function remoteVideo(element: P2PCallElement, peer: string): HTMLVideoElement | null {
  return element.shadowRoot!.querySelector(`video[part~="remote-video"][data-peer="${peer}"]`);
}

async function framesDecoded(pc: RTCPeerConnection): Promise<number> {
  let decoded = 0;
  (await pc.getStats()).forEach((report) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') decoded += report.framesDecoded ?? 0;
  });
  return decoded;
}

/**
 * Proof that `element` really sees `peer`: its remote <video> presents
 * frames (requestVideoFrameCallback), has a size, and the connection's stats
 * count decoded frames. A black box or a stream that never plays fails this.
 */
export async function expectDecodesVideoFrom(element: P2PCallElement, peer: string, frames = 10): Promise<void> {
  const video = await until(() => remoteVideo(element, peer), `a remote video for ${peer}`);
  let presented = 0;
  const count = (_now: number, metadata: VideoFrameCallbackMetadata) => {
    presented = Math.max(presented + 1, metadata.presentedFrames);
    video.requestVideoFrameCallback(count);
  };
  video.requestVideoFrameCallback(count);
  await until(() => presented >= frames, `${frames} presented frames from ${peer} (saw ${presented})`, 15_000);
  expect(video.videoWidth).to.be.greaterThan(0);
  const pc = element.connectionTo(peer);
  expect(pc, `a connection to ${peer}`).to.exist;
  await until(async () => (await framesDecoded(pc!)) >= frames, `${frames} frames decoded from ${peer}`);
}

/** The relay's own counters, served by the test runner's relay plugin. */
export async function relayStats(): Promise<{ rooms: number; peers: number; heldOffers: number }> {
  return (await fetch('/__relay-stats')).json();
}
