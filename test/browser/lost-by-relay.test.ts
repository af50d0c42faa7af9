/**
 * Someone the relay lost (no goodbye: a missed heartbeat, a socket torn
 * down) while their media still flows: kept while anything arrives from
 * them, gone as soon as nothing does. Runs in Firefox too, whose calls with
 * no media bring only an ICE consent check every 4-6 s.
 */
import { expect } from 'chai';
import type { P2PCallElement } from '../../src/index.js';
import { QUIET_CALL_MS } from '../../src/negotiation/peer-negotiator.js';
import {
  eachOnAnEmptyRelay,
  expectDecodesVideoFrom,
  expectMoreFrames,
  mountCall,
  nextEvent,
  record,
  relayStats,
  relayUrl,
  serverCommand,
  tilePeers,
  uniqueRoom,
  until,
  type Timeout,
} from './helpers.js';

describe('<p2p-call>: someone the relay lost (no goodbye) while their media still flows', () => {
  eachOnAnEmptyRelay();
  /**
   * Alice through a proxy, Bob straight to the relay, in a call; then the relay loses Alice's
   * socket, and Alice does not know. `sendNothing`: neither captures anything.
   */
  async function aliceLost(sendNothing = false): Promise<[P2PCallElement, P2PCallElement]> {
    const { url } = await serverCommand<{ url: string }>('slow-relay', { url: relayUrl, delayMs: 0 });
    const room = uniqueRoom('lost');
    const media: Record<string, true> = sendNothing ? { 'no-audio': true, 'no-video': true } : {};
    const alice = mountCall({ room, name: 'Alice', server: url, ...media });
    await nextEvent(alice, 'p2p-joined');
    const bob = mountCall({ room, name: 'Bob', ...media });
    await nextEvent(bob, 'p2p-joined');
    if (sendNothing) await until(() => bob.connectionTo(alice.peerId)?.connectionState === 'connected', 'Bob connected to Alice');
    else await Promise.all([expectDecodesVideoFrom(alice, bob.peerId), expectDecodesVideoFrom(bob, alice.peerId)]);
    // The relay's end is torn down (no close frame), as when its heartbeat gives up first; Alice's goes silent.
    await serverCommand('slow-relay-freeze', { dropUpstream: true });
    await until(async () => (await relayStats()).peers === 1, 'the relay to have lost Alice');
    return [alice, bob];
  }
  afterEach(() => serverCommand('slow-relay-stop'));

  it('stays in the call, on the same connection both ways, and is back when their socket is', async function () {
    (this as Timeout).timeout(30_000);
    const [alice, bob] = await aliceLost();
    const [toBob, toAlice] = [alice.connectionTo(bob.peerId)!, bob.connectionTo(alice.peerId)!];
    const left = [...record(alice, 'p2p-peer-left'), ...record(bob, 'p2p-peer-left')];
    await expectMoreFrames(toAlice, 'by Bob from Alice, whom the relay lost');
    window.dispatchEvent(new Event('online')); // Alice finds out, and comes back
    await until(async () => (await relayStats()).peers === 2, 'Alice back on the relay');
    await Promise.all([
      expectMoreFrames(toBob, 'by Alice from Bob, on the same connection'),
      expectMoreFrames(toAlice, 'by Bob from Alice, on the same connection'),
    ]);
    expect([alice.connectionTo(bob.peerId), bob.connectionTo(alice.peerId)]).to.deep.equal([toBob, toAlice]);
    expect(tilePeers(bob)).to.deep.equal([alice.peerId]);
    expect(left).to.deep.equal([]);
  });

  it('stays even when neither sends any media: the RTCP that still flows is enough', async function () {
    (this as Timeout).timeout(40_000);
    const [alice, bob] = await aliceLost(true);
    const left = record(bob, 'p2p-peer-left');
    // Two silence checks of QUIET_CALL_MS: neither says it sends anything. Chromium sends RTCP of
    // ~50 bytes every 0.5-1.5 s (measured 2026-12-06); Firefox answers ICE consent checks every 4-6 s
    // (up to 4.8 s apart, 2026-12-07), which 2 s checks missed about half the time.
    await new Promise((resolve) => setTimeout(resolve, 2 * QUIET_CALL_MS + 1000));
    expect(left).to.deep.equal([]);
    expect(tilePeers(bob)).to.deep.equal([alice.peerId]);
  });

  it('goes, as lost, once nothing arrives on that connection', async function () {
    (this as Timeout).timeout(30_000);
    const [alice, bob] = await aliceLost();
    const states = record(bob, 'p2p-connection-state');
    const gone = nextEvent(bob, 'p2p-peer-left', 20_000);
    alice.remove(); // her goodbye goes into the silent socket; her connection closes, without a word to Bob's
    expect((await gone).detail).to.include({ peer: alice.peerId, reason: 'lost' });
    await bob.updateComplete;
    expect(bob.shadowRoot!.querySelector('#announcer')!.textContent, 'not said to have left: she may be back').to.contain('Alice\u2069 lost their connection.');
    // Let go for the silence (2-4 s), before ICE noticed (~7.6 s here) and said 'disconnected'.
    expect(states).to.deep.equal([]);
    await bob.updateComplete;
    expect(tilePeers(bob)).to.deep.equal([]);
  });
});
