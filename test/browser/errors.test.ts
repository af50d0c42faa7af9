import { expect } from 'chai';
import { expectDecodesVideoFrom, mountCall, nextEvent, record, removeAll, serverCommand, uniqueRoom, until } from './helpers.js';
import { relayUrl } from './relay-url.js';

function errorText(element: HTMLElement): string {
  return element.shadowRoot!.querySelector('[part~="error"]')?.textContent ?? '';
}

describe('<p2p-call>: problems are shown, never a blank box', () => {
  const realGetUserMedia = navigator.mediaDevices.getUserMedia;
  afterEach(() => {
    navigator.mediaDevices.getUserMedia = realGetUserMedia;
    removeAll();
  });

  it('a denied camera shows a message and still lets you see the others', async () => {
    // The browser's own denial is exercised in test/e2e; here the element's handling.
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    const room = uniqueRoom();
    const viewer = mountCall({ room });
    const error = await nextEvent(viewer, 'p2p-error');
    expect(error.detail.code).to.equal('media-denied');
    await viewer.updateComplete;
    expect(errorText(viewer)).to.contain('denied');
    expect(viewer.shadowRoot!.querySelector('[part~="error"]')!.getAttribute('role')).to.equal('alert');
    // Start camera, still denied: the press is answered, and read out again (the alert's text has not changed).
    const again = nextEvent(viewer, 'p2p-error');
    (viewer.shadowRoot!.querySelector('[part~="camera-button"]') as HTMLButtonElement).click();
    expect((await again).detail.code).to.equal('media-denied');
    await viewer.updateComplete;
    expect(viewer.shadowRoot!.querySelector('#announcer')!.textContent).to.contain('denied');

    navigator.mediaDevices.getUserMedia = realGetUserMedia;
    const host = mountCall({ room });
    await nextEvent(host, 'p2p-joined');
    await expectDecodesVideoFrom(viewer, host.peerId);
  });

  it('an unreachable relay is reported in the element, as the page wrote its address, without the token', async () => {
    const element = mountCall({ room: uniqueRoom(), server: 'ws://127.0.0.1:9/call?token=s3cret' });
    const error = await nextEvent(element, 'p2p-error');
    expect(error.detail.code).to.equal('relay-unreachable');
    await element.updateComplete;
    expect(errorText(element)).to.contain('ws://127.0.0.1:9/call.');
    expect(errorText(element) + error.detail.message).to.not.contain('s3cret');

    const bare = mountCall({ room: uniqueRoom(), server: 'ws://127.0.0.1:9' });
    await nextEvent(bare, 'p2p-error'); // told as its socket closed, when it began to wait to try again
    await bare.updateComplete;
    expect(errorText(bare), 'no "/" the page did not write').to.equal('Cannot reach the call server at ws://127.0.0.1:9.');
    // Never connected, so nothing was lost: it is still connecting.
    expect(bare.shadowRoot!.querySelector('[part~="status"]')!.textContent).to.equal('Connecting…');
  });

  it('a relay that turns the first connection away ends the call and lets the camera go; a fresh token joins', async () => {
    await serverCommand('restart-relay', { token: 'fresh' });
    try {
      const element = mountCall({ room: uniqueRoom(), server: `${relayUrl}/?token=stale` });
      const error = await nextEvent(element, 'p2p-error');
      expect(error.detail.code).to.equal('unauthorized');
      await until(() => element.localStream === null, 'the camera to be let go');
      await element.updateComplete;
      expect(errorText(element)).to.contain('turned this page away');
      expect(element.shadowRoot!.querySelector('[part~="join-button"]')).to.exist;
      element.server = `${relayUrl}/?token=fresh`;
      await nextEvent(element, 'p2p-joined');
      expect(errorText(element)).to.equal('');
    } finally {
      await serverCommand('restart-relay');
    }
  });

  it('a connection that cannot come up does not hold back drawing or a click', async () => {
    // Relay-only ICE with no TURN server: no candidate pair can ever form, so the
    // connection stays connecting until it is given up (15 s). Drawing waits only
    // while descriptions are applied, 100 ms at most (RoomController.drawable).
    const room = uniqueRoom();
    const host = mountCall({ room, 'ice-transport-policy': 'relay' });
    await nextEvent(host, 'p2p-joined');
    const guest = mountCall({ room, 'ice-transport-policy': 'relay' });
    await nextEvent(guest, 'p2p-joined');
    const tile = () => host.shadowRoot!.querySelector(`[part~="tile"][data-peer="${guest.peerId}"]`);
    await until(tile, 'the guest’s tile at the host', 2000);
    expect(host.connectionTo(guest.peerId)?.connectionState).to.not.equal('connected');
    host.shadowRoot!.querySelector<HTMLButtonElement>('[part~="mute-button"]')!.click();
    await until(
      () => host.shadowRoot!.querySelector('[part~="mute-button"]')?.textContent === 'Unmute',
      'the mute button to show the click',
      2000,
    );
    expect(host.connectionTo(guest.peerId)?.connectionState).to.not.equal('connected');
  });

  /** An element mounted with an attribute it cannot call with: its first p2p-error, and the signaling states from then on. */
  async function mountWrong(attributes: Record<string, string>) {
    const element = mountCall(attributes);
    const states = record(element, 'p2p-signaling-state');
    const error = await nextEvent(element, 'p2p-error');
    await element.updateComplete;
    return { element, states, code: error.detail.code };
  }

  it('a room name longer than the protocol allows is reported in words, nothing is tried, and a shorter one joins', async () => {
    const { element, states, code } = await mountWrong({ room: uniqueRoom().padEnd(129, 'y') });
    expect(code).to.equal('bad-room');
    expect(errorText(element)).to.equal('The room name is too long: a room name has at most 128 characters.');
    expect(element.shadowRoot!.querySelector('[part~="join-button"]'), 'no Join again that could only fail').to.equal(null);
    expect(element.localStream).to.equal(null);
    element.room = element.room.slice(0, 128);
    await nextEvent(element, 'p2p-joined');
    expect(errorText(element)).to.equal('');
    expect(states.map((s) => s.state)).to.deep.equal(['connecting', 'open']);
  });

  it('a server that is no relay address is reported and nothing is tried; http(s) and paths on the site are relays', async () => {
    const { element, states, code } = await mountWrong({ room: uniqueRoom(), server: 'localhost:8787' });
    expect(code).to.equal('bad-server');
    expect(errorText(element)).to.contain('“localhost:8787” is not a ws://');
    expect(element.shadowRoot!.querySelector('[part~="status"]')!.textContent).to.equal('Not in the call.');
    expect(element.localStream).to.equal(null);
    // The relay as http://, then as a path from the page's scheme (`//host:port/call`): both join, and the error goes.
    element.server = relayUrl.replace('ws:', 'http:');
    await nextEvent(element, 'p2p-joined');
    expect(errorText(element)).to.equal('');
    element.server = `${relayUrl.replace('ws:', '')}/call`;
    await nextEvent(element, 'p2p-joined');
    expect(states.map((s) => s.state)).to.not.include('reconnecting');
  });

  it('a max-peers the relay would refuse (1, or no number) is taken as the nearest it accepts, not a refused join', async () => {
    for (const maxPeers of ['1', 'ten']) {
      const element = mountCall({ room: uniqueRoom(), 'max-peers': maxPeers });
      const errors = record(element, 'p2p-error');
      await nextEvent(element, 'p2p-joined');
      expect(errors, `max-peers="${maxPeers}"`).to.deep.equal([]);
    }
  });

  it('ICE servers from the relay that the browser refuses (turn://) are left out, and the call goes on', async () => {
    // As a relay would send them before the welcome: every socket of this page gets them first.
    const RealWebSocket = window.WebSocket;
    window.WebSocket = class extends RealWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const iceServers = [{ urls: 'turn://127.0.0.1:3478', username: 'u', credential: 'c' }];
        this.addEventListener('open', () => this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify({ type: 'ice-servers', iceServers }) })));
      }
    };
    try {
      const room = uniqueRoom();
      const alice = mountCall({ room });
      await nextEvent(alice, 'p2p-joined');
      const bob = mountCall({ room });
      await nextEvent(bob, 'p2p-joined');
      await Promise.all([expectDecodesVideoFrom(alice, bob.peerId), expectDecodesVideoFrom(bob, alice.peerId)]);
      expect(errorText(alice) + errorText(bob)).to.equal('');
    } finally {
      window.WebSocket = RealWebSocket;
    }
  });

  it('a relay-only call whose TURN server refuses the credentials says so when the connection is given up', async function () {
    (this as unknown as { timeout(ms: number): void }).timeout(40_000);
    const { iceServers } = await serverCommand<{ iceServers: RTCIceServer[] }>('start-turn');
    try {
      // A wrong password, as a relay with the wrong --turn-secret-file hands out.
      const wrong = JSON.stringify(iceServers.map((server) => ({ ...server, credential: 'not the password' })));
      const room = uniqueRoom();
      const alice = mountCall({ room, 'ice-servers': wrong, 'ice-transport-policy': 'relay' });
      await nextEvent(alice, 'p2p-joined');
      const errors = record(alice, 'p2p-error');
      mountCall({ room, 'ice-servers': wrong, 'ice-transport-policy': 'relay' });
      await until(() => errors.some((error) => error.code === 'turn-failed'), 'turn-failed', 30_000);
      const turn = errors.find((error) => error.code === 'turn-failed')!;
      expect(turn.message, turn.message).to.match(/^The TURN server did not work \(turn:127\.0\.0\.1[^)]*: 401\b[^)]*\): check/);
      expect(errors.map((error) => error.code)).to.include('peer-unreachable');
      await alice.updateComplete;
      expect(errorText(alice)).to.contain('401');
    } finally {
      await serverCommand('stop-turn');
    }
  });

  it('invalid ice-servers JSON is reported and no call is started', async () => {
    const element = mountCall({ room: uniqueRoom(), 'ice-servers': '[{"urls": "stun:x"' });
    await element.updateComplete;
    expect(errorText(element)).to.contain('ice-servers');
    expect(element.localStream).to.equal(null);
  });

  it('ice-servers the browser refuses (TURN with no credential) are reported and no call is started', async () => {
    const { element, states, code } = await mountWrong({ room: uniqueRoom(), 'ice-servers': '[{"urls": "turn:127.0.0.1:3478"}]' });
    expect(code).to.equal('bad-ice-servers');
    expect(errorText(element)).to.match(/^The ice-servers attribute cannot be used: .+/);
    expect(element.localStream).to.equal(null);
    element.iceServers = [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'p' }];
    await nextEvent(element, 'p2p-joined');
    expect(errorText(element)).to.equal('');
    expect(states.map((s) => s.state)).to.deep.equal(['connecting', 'open']);
  });
});
