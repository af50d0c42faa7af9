/**
 * What a long call keeps in the page's JS heap, counted in a heap snapshot
 * (Chromium's, over CDP: heap-strings in plugins/heap.mjs). The element
 * remembers a little of each connection it dropped (its DTLS fingerprint);
 * read from the remote SDP, that value is a slice of the SDP string, and kept
 * as it is, it would keep the whole SDP (~6 KB) alive for the rest of the call.
 */
import { expect } from 'chai';
import { expectDecodesVideoFrom, mountCall, nextEvent, removeAll, serverCommand, uniqueRoom } from './helpers.js';

describe('<p2p-call>: the JS heap over a long call', () => {
  afterEach(removeAll);

  it('keeps no SDP of the people who have come and gone', async function () {
    (this as { timeout(ms: number): void }).timeout(60_000);
    const room = uniqueRoom('heap');
    const host = mountCall({ room, name: 'Host' });
    await nextEvent(host, 'p2p-joined');
    const guests = 4;
    for (let n = 0; n < guests; n++) {
      const guest = mountCall({ room, name: `Guest ${n}` });
      await nextEvent(guest, 'p2p-joined');
      await expectDecodesVideoFrom(host, guest.peerId);
      const left = nextEvent(host, 'p2p-peer-left');
      guest.remove();
      await left;
    }
    const { count } = await serverCommand<{ count: number }>('heap-strings', { prefix: 'v=0\r\n' });
    // The description of the host's own held offer, which its connection keeps, and perhaps the last
    // string a RegExp searched (the engine keeps it): none per guest.
    expect(count, 'SDPs the page still holds').to.be.at.most(2);
  });
});
