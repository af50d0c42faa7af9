/**
 * The relay and the TURN server (the only media path of a relay-only call)
 * die together, and the two people come back to the relay one after the
 * other. Runs in Firefox too: its getStats() never settles on a connection
 * closed meanwhile, and candidates of the dropped connection still arrive.
 */
import type { P2PCallElement } from '../../src/index.js';
import {
  eachOnAnEmptyRelay,
  framesDecoded,
  joinsAs,
  relayStats,
  serverCommand,
  turnAttributes,
  twoInACall,
  until,
  type Timeout,
  type Turn,
} from './helpers.js';

describe('<p2p-call>: the relay and the TURN server die together', () => {
  eachOnAnEmptyRelay('stop-turn');

  it('the relay and the TURN server die together; the one back first drops the silent call; the other, back later, replaces it with a new connection', async function () {
    (this as Timeout).timeout(60_000);
    const turn = await serverCommand<Turn>('start-turn');
    const [first, second] = await twoInACall(turnAttributes(turn));
    // The holder (back first) is the impolite side: an offer from the other used to lose the glare
    // with the holder's held offer, and the call waited ~30 s for a retry (1 run in 4 either way).
    const [holder, rejoiner] = first.peerId > second.peerId ? [first, second] : [second, first];
    const oldConnection = rejoiner.connectionTo(holder.peerId)!;
    const RealWebSocket = window.WebSocket;
    let rejoinerKeptOff = true;
    window.WebSocket = class extends RealWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(rejoinerKeptOff && joinsAs(String(url), rejoiner) ? 'ws://127.0.0.1:1/' : url, protocols); // refused
      }
    };
    try {
      await serverCommand('stop-turn');
      await serverCommand('restart-relay');
      // The holder is back; the other is not, and their call brings nothing: the holder lets it go.
      await until(() => !holder.connectionTo(rejoiner.peerId), 'the holder to drop the silent call', 15_000);
      await until(async () => (await relayStats()).heldOffers === 1, 'the holder to hold a new offer');
      await serverCommand('start-turn', { port: turn.port });
      rejoinerKeptOff = false;
      window.dispatchEvent(new Event('online')); // dialled at once
      const frozen = await framesDecoded(oldConnection);
      // The rejoiner's old connection still reads `connected` (ICE has not noticed yet), but nothing
      // has arrived on it for 2 s from someone who sends media: it does not answer the holder's held
      // offer, made while TURN was down, and offers a new connection, which the holder takes in place
      // of that offer. Its ICE restart meanwhile, of a connection whose
      // other end is closed, the holder ignores. Well before a retry (10 s after the held offer's
      // connection is given up, which takes 15 s).
      const decoding = (element: P2PCallElement, other: P2PCallElement) =>
        until(async () => {
          const pc = element.connectionTo(other.peerId);
          return pc && (await framesDecoded(pc)) > (pc === oldConnection ? frozen : 0) + 10;
        }, `${element.name} to decode again`, 15_000);
      await Promise.all([decoding(holder, rejoiner), decoding(rejoiner, holder)]);
    } finally {
      window.WebSocket = RealWebSocket;
    }
  });
});
