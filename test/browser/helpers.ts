import { expect } from 'chai';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.js';
import './clonable-failures.js';
import type { P2PCallElement } from '../../src/index.js';
import { relayUrl } from './relay-url.js';

export { relayUrl };

export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Puts a `<p2p-call>` on the page; removed again by `removeAll()`. */
export function mountCall(attributes: Record<string, string | true>): P2PCallElement {
  const element = document.createElement('p2p-call');
  const all: Record<string, string | true> = { server: relayUrl, ...attributes };
  for (const [name, value] of Object.entries(all))
    element.setAttribute(name, value === true ? '' : value);
  document.body.append(element);
  return element;
}

/** Alice, then Bob, in a new room (with `attributes` on both), each decoding the other's video. */
export async function twoInACall(attributes: Record<string, string | true> = {}): Promise<[P2PCallElement, P2PCallElement]> {
  const room = uniqueRoom('call');
  const alice = mountCall({ room, name: 'Alice', ...attributes });
  await nextEvent(alice, 'p2p-joined');
  const bob = mountCall({ room, name: 'Bob', ...attributes });
  await nextEvent(bob, 'p2p-joined');
  await Promise.all([expectDecodesVideoFrom(alice, bob.peerId), expectDecodesVideoFrom(bob, alice.peerId)]);
  return [alice, bob];
}

/**
 * Alice and Bob in a call that something is about to happen to (their relay
 * restarts, an attribute changes), and what must not happen to the call:
 * `expectKept` checks that nobody left and both connections are the same
 * ones, still bringing frames.
 */
export async function watchedCall() {
  const [alice, bob] = await twoInACall();
  const pcs = [alice.connectionTo(bob.peerId)!, bob.connectionTo(alice.peerId)!] as const;
  const left = [alice, bob].flatMap((element) => [record(element, 'p2p-peer-left'), record(element, 'p2p-left')]);
  const expectKept = async () => {
    expect(left.flat()).to.deep.equal([]);
    expect(alice.connectionTo(bob.peerId)).to.equal(pcs[0]);
    expect(bob.connectionTo(alice.peerId)).to.equal(pcs[1]);
    await Promise.all([expectMoreFrames(pcs[0], 'by Alice'), expectMoreFrames(pcs[1], 'by Bob')]);
  };
  return { alice, bob, pcs, expectKept };
}

/** A bare socket of the test page that sends `join` (plus `type`) and waits for the relay's welcome or error. */
export async function joinAs(url: string, join: Record<string, unknown>): Promise<{ socket: WebSocket; reply: { type: string; code?: string } }> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  socket.send(JSON.stringify({ type: 'join', ...join }));
  const { data } = await new Promise<MessageEvent>((resolve) => socket.addEventListener('message', resolve, { once: true }));
  return { socket, reply: JSON.parse(data) };
}

export function removeAll(): void {
  document.querySelectorAll('p2p-call').forEach((element) => element.remove());
}

/** Polls until `check` returns something truthy; fails with `what` (read at that moment) after `timeout` ms. */
export async function until<T>(check: () => T | Promise<T>, what: string | (() => string), timeout = 10_000): Promise<T> {
  const deadline = performance.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${typeof what === 'string' ? what : what()}`);
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

/**
 * Video frames decoded so far on one connection (all inbound video streams);
 * 0 for one closed meanwhile, whose getStats Firefox never settles.
 */
export async function framesDecoded(pc: RTCPeerConnection): Promise<number> {
  let decoded = 0;
  const stats = await Promise.race([pc.getStats(), sleep(2000)]);
  stats?.forEach((report) => {
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
  const video = (await until(() => remoteVideo(element, peer), `a remote video for ${peer}`))!;
  let presented = 0;
  const count = (_now: number, metadata: VideoFrameCallbackMetadata) => {
    presented = Math.max(presented + 1, metadata.presentedFrames);
    video.requestVideoFrameCallback(count);
  };
  video.requestVideoFrameCallback(count);
  await until(
    () => presented >= frames,
    () => {
      const shown = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
      const received = element.connectionTo(peer)?.getReceivers().some((receiver) => receiver.track === shown);
      return (
        `${frames} presented frames from ${peer} (saw ${presented}; video paused ${video.paused}, readyState ${video.readyState}, ` +
        `in the page ${video.isConnected}, track ${shown?.readyState}${received ? '' : ' and not a receiver’s track'}, ` +
        `frames given to the video ${video.getVideoPlaybackQuality().totalVideoFrames})`
      );
    },
    15_000,
  );
  // Under load Chromium can present frames (rVFC, with a size in its metadata) a
  // little before the element's readyState/videoWidth catch up: wait, don't sample.
  await until(() => video.videoWidth > 0, `a video size for ${peer} (readyState ${video.readyState})`);
  const pc = element.connectionTo(peer);
  expect(pc, `a connection to ${peer}`).to.exist;
  await until(async () => (await framesDecoded(pc!)) >= frames, `${frames} frames decoded from ${peer}`);
}

/** The relay's own counters, served by the test runner's relay plugin. */
export async function relayStats(): Promise<{ rooms: number; peers: number; heldOffers: number }> {
  return (await fetch('/__relay-stats')).json();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs a server command of web-test-runner.config.mjs (restart-relay) or of
 * test/browser/plugins/*.mjs (start-turn, stop-turn, ghost-*, open-tab, close-tab, heap-strings).
 */
export async function serverCommand<T = Record<string, unknown>>(command: string, payload?: unknown): Promise<T> {
  return (await executeServerCommand(command, payload)) as T;
}

/** Mounts `count` elements into one room, all at once, and waits until every one has joined. */
export async function mountRoom(
  room: string,
  count: number,
  attributes: Record<string, string | true> = {},
): Promise<P2PCallElement[]> {
  const elements = Array.from({ length: count }, (_, i) => mountCall({ room, name: `P${i + 1}`, ...attributes }));
  await Promise.all(elements.map((element) => nextEvent(element, 'p2p-joined')));
  return elements;
}

/** Every element decodes every other element's video: all n·(n-1) directions. */
export async function expectFullMesh(elements: P2PCallElement[]): Promise<void> {
  await Promise.all(
    elements.flatMap((viewer) =>
      elements.filter((other) => other !== viewer).map((other) => expectDecodesVideoFrom(viewer, other.peerId)),
    ),
  );
}

/** Records the `detail` of every `type` event from now on. */
export function record<K extends keyof HTMLElementEventMap>(
  target: HTMLElement,
  type: K,
): HTMLElementEventMap[K] extends CustomEvent<infer D> ? D[] : never {
  const seen: unknown[] = [];
  target.addEventListener(type, (event) => seen.push((event as CustomEvent).detail));
  return seen as never;
}

/** The peer ids of the remote tiles in the element's grid, in order. */
export function tilePeers(element: P2PCallElement): string[] {
  return [...element.shadowRoot!.querySelectorAll('[part~="grid"] [part~="tile"]:not([part~="local-tile"])')].map(
    (tile) => (tile as HTMLElement).dataset.peer ?? '',
  );
}

export function statusText(element: P2PCallElement): string {
  return element.shadowRoot!.querySelector('[part~="status"]')?.textContent ?? '';
}

export function errorText(element: P2PCallElement): string {
  return element.shadowRoot!.querySelector('[part~="error"]')?.textContent ?? '';
}

/** The `a=ice-ufrag` of a session description (changes with every ICE restart). */
export function iceUfrag(description: RTCSessionDescription | null): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(description?.sdp ?? '')?.[1];
}

/** The candidate types of the selected pair, e.g. `{ local: 'relay', remote: 'relay' }`. */
export async function selectedPair(pc: RTCPeerConnection): Promise<{ local?: string; remote?: string }> {
  const stats = await pc.getStats();
  let pairId: string | undefined;
  stats.forEach((report) => {
    if (report.type === 'transport' && report.selectedCandidatePairId) pairId = report.selectedCandidatePairId;
  });
  const pair = pairId ? stats.get(pairId) : undefined;
  return {
    local: pair ? stats.get(pair.localCandidateId)?.candidateType : undefined,
    remote: pair ? stats.get(pair.remoteCandidateId)?.candidateType : undefined,
  };
}

/** Resolves once the connection has decoded `more` video frames beyond what it has decoded now. */
export async function expectMoreFrames(pc: RTCPeerConnection, what: string, more = 10, timeout = 10_000): Promise<void> {
  const start = await framesDecoded(pc);
  await until(async () => (await framesDecoded(pc)) >= start + more, `${more} more frames decoded ${what}`, timeout);
}

/** Mocha's `this` in a test declared with `function`, for its own timeout. */
export type Timeout = { timeout(ms: number): void; retries(n: number): void };

/** What `start-turn` answers (test/browser/plugins/turn.mjs). */
export interface Turn {
  port: number;
  iceServers: RTCIceServer[];
}

/** A relay-only call through that TURN server: without it there is no media path at all. */
export function turnAttributes(turn: Turn): Record<string, string> {
  return { 'ice-servers': JSON.stringify(turn.iceServers), 'ice-transport-policy': 'relay' };
}

/**
 * For a suite whose tests count what the relay holds: each starts on an empty
 * relay, and afterwards its elements are removed and each server command in
 * `cleanup` (stop-turn, ghost-cleanup) is run.
 */
export function eachOnAnEmptyRelay(...cleanup: string[]): void {
  beforeEach(() => until(async () => (await relayStats()).peers === 0, 'the relay to be empty'));
  afterEach(async () => {
    removeAll();
    for (const command of cleanup) await serverCommand(command);
  });
}

/** Whether a socket's address joins as `element`: every element on the page dials the same relay. */
export function joinsAs(url: string, element: P2PCallElement): boolean {
  return JSON.parse(new URL(url).searchParams.get('join')!).peer === element.peerId;
}
