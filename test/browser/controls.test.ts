import { expect } from 'chai';
import type { P2PCallElement } from '../../src/index.js';
import {
  expectDecodesVideoFrom,
  framesDecoded,
  mountCall,
  nextEvent,
  record,
  remoteVideo,
  removeAll,
  sleep,
  tilePeers,
  twoInACall,
  uniqueRoom,
  until,
} from './helpers.js';

/** The element with that part, inside (or being) the tile of `peer` if given. */
function part(element: P2PCallElement, name: string, peer?: string): Element | null {
  const root = element.shadowRoot!;
  if (!peer) return root.querySelector(`[part~="${name}"]`);
  const tile = root.querySelector(`[part~="tile"][data-peer="${peer}"]`);
  return tile?.part.contains(name) ? tile : (tile?.querySelector(`[part~="${name}"]`) ?? null);
}

/**
 * Answers the `n`th getUserMedia request (from 0) as `answer` says, when it
 * says: 'real' with the (fake) devices, or else failing with that error
 * name, as a browser does when none is plugged in (NotFoundError) or another
 * application holds it (NotReadableError). Returns the undo.
 */
function scriptCapture(answer: (constraints: MediaStreamConstraints, n: number) => string | Promise<string>): () => void {
  const { mediaDevices } = navigator;
  const getUserMedia = mediaDevices.getUserMedia;
  let n = 0;
  mediaDevices.getUserMedia = async (constraints = {}) => {
    const how = await answer(constraints, n++);
    if (how === 'real') return getUserMedia.call(mediaDevices, constraints);
    throw new DOMException('not this time', how);
  };
  return () => (mediaDevices.getUserMedia = getUserMedia);
}

/** Makes every request for a camera fail with `errorName` (see scriptCapture). */
const failCamera = (errorName: string) => scriptCapture((constraints) => (constraints.video ? errorName : 'real'));

/**
 * Holds every getUserMedia answer until `open()`, as a permission prompt
 * left open or a camera slow to start does. `opening` is every request made
 * meanwhile; `given` what each gave, as it gave it (the element then swaps
 * tracks in and out of that same stream); `undo` lets later requests through.
 */
function holdCapture() {
  const { mediaDevices } = navigator;
  const getUserMedia = mediaDevices.getUserMedia;
  const opening: Promise<MediaStream>[] = [];
  const given = new Map<Promise<MediaStream>, MediaStreamTrack[]>();
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  mediaDevices.getUserMedia = (constraints) => {
    const request = getUserMedia.call(mediaDevices, constraints).then(async (stream) => {
      given.set(request, stream.getTracks());
      await opened;
      return stream;
    });
    opening.push(request);
    return request;
  };
  /** What the `index`th request gave (of one kind), once open. */
  const tracks = async (index: number, kind?: string): Promise<MediaStreamTrack[]> => {
    await opening[index];
    return given.get(opening[index])!.filter((t) => !kind || t.kind === kind);
  };
  return { opening, open, tracks, undo: () => (mediaDevices.getUserMedia = getUserMedia) };
}

/** Alice (with `attributes`), whose camera fails (see failCamera) with error `code`, and Bob in a new room, once Alice's microphone is on alone. */
async function callWithoutCamera(code: string, attributes: Record<string, string> = {}): Promise<[P2PCallElement, P2PCallElement]> {
  const room = uniqueRoom();
  const alice = mountCall({ room, name: 'Alice', ...attributes });
  const bob = mountCall({ room, name: 'Bob' });
  expect((await nextEvent(alice, 'p2p-error')).detail.code).to.equal(code);
  await until(() => alice.localStream?.getAudioTracks()[0]?.readyState === 'live', 'the microphone alone');
  await alice.updateComplete;
  return [alice, bob];
}

/** Frames keep arriving: the decoded count grows by `more` from now. */
async function keepsDecoding(element: P2PCallElement, peer: string, more = 10): Promise<void> {
  const pc = element.connectionTo(peer)!;
  const start = await framesDecoded(pc);
  await until(async () => (await framesDecoded(pc)) >= start + more, `${more} more frames from ${peer}`);
}

/** The option a device picker shows. */
function selected(element: P2PCallElement, name: string): { value: string; text: string } {
  const select = part(element, name) as HTMLSelectElement;
  const option = select.selectedOptions[0];
  return { value: select.value, text: option?.textContent ?? '' };
}

const cameras = async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');

const aspect = (video: HTMLVideoElement) => video.videoWidth / video.videoHeight;

describe('<p2p-call>: controls, as the other side sees them', () => {
  afterEach(removeAll);

  it('mute and camera off show on the remote tile, with no renegotiation; camera off lets the camera go', async () => {
    const [alice, bob] = await twoInACall();
    const pc = alice.connectionTo(bob.peerId)!;
    const sdp = pc.localDescription!.sdp;
    const change = nextEvent(alice, 'p2p-media-change');
    part(alice, 'mute-button')!.dispatchEvent(new MouseEvent('click'));
    expect((await change).detail).to.deep.equal({ audio: false, video: true, screen: false });
    await alice.updateComplete;
    // Its name says what it does next, so it is no pressed toggle ("Unmute, pressed" says it twice, inverted).
    expect(part(alice, 'mute-button')!.textContent).to.equal('Unmute');
    expect(part(alice, 'mute-button')!.hasAttribute('aria-pressed')).to.equal(false);
    // Her own tile says so too, as the others' tiles show her.
    const own = (name: string) => part(alice, 'local-tile')!.querySelector(`[part~="${name}"]`);
    expect(own('muted-indicator'), 'muted on her own tile').to.exist;
    expect(alice.muted).to.equal(true);
    expect(alice.localStream!.getAudioTracks()[0].enabled).to.equal(false);
    await until(() => part(bob, 'muted-indicator', alice.peerId), 'the muted indicator at Bob');
    const indicator = part(bob, 'muted-indicator', alice.peerId)!;
    // Drawn, not typed: an emoji is an empty box on a system without an emoji font.
    expect(indicator.textContent, 'no characters that need a font').to.equal('');
    expect(indicator.querySelector('path')!.getBBox().width, 'an outline of its own').to.be.above(10);
    expect(indicator.getAttribute('aria-label')).to.equal('Microphone off');

    // States are parts, so that a page can style them: `::part()` takes no attribute selector.
    const style = document.head.appendChild(document.createElement('style'));
    style.textContent = 'p2p-call::part(tile camera-off), p2p-call::part(mute-button active) { outline: 3px dashed rgb(1, 2, 3) }';
    const styledByPage = (element: Element) => getComputedStyle(element).outlineColor === 'rgb(1, 2, 3)';
    expect(styledByPage(part(alice, 'mute-button')!), 'Mute, pressed').to.equal(true);
    const camera = alice.localStream!.getVideoTracks()[0];
    alice.cameraOff = true;
    await until(() => part(bob, 'camera-off-indicator', alice.peerId), 'the camera-off indicator at Bob');
    await bob.updateComplete;
    expect(styledByPage(part(bob, 'tile', alice.peerId)!), 'her tile at Bob, camera off').to.equal(true);
    style.remove();
    // Stopped, not only disabled: a disabled track keeps Chrome's camera (and its light) on.
    await until(() => camera.readyState === 'ended', 'the camera to be let go');
    expect(alice.localStream!.getVideoTracks()).to.deep.equal([]);
    const videoSender = pc.getSenders().find((s) => s.track?.kind !== 'audio')!;
    expect(videoSender.track).to.equal(null);
    await alice.updateComplete;
    const selfView = part(alice, 'local-video')!;
    expect(getComputedStyle(selfView).visibility, 'no frozen last frame in the self view').to.equal('hidden');
    expect(own('camera-off-indicator'), 'camera off on her own tile').to.exist;
    alice.muted = false;
    (part(alice, 'camera-button') as HTMLButtonElement).click(); // as people turn it back on
    await until(() => !part(bob, 'muted-indicator', alice.peerId) && !part(bob, 'camera-off-indicator', alice.peerId), 'indicators to go');
    expect([own('muted-indicator'), own('camera-off-indicator')], 'and from her own tile').to.deep.equal([null, null]);
    await keepsDecoding(bob, alice.peerId);
    expect(alice.localStream!.getVideoTracks().map((t) => t.readyState)).to.deep.equal(['live']);
    expect(getComputedStyle(selfView).visibility).to.equal('visible');
    expect(pc.localDescription!.sdp).to.equal(sdp);
    expect(alice.shadowRoot!.querySelector('#announcer')!.textContent).to.contain('camera is on');
  });

  it('no-video and no-audio set mid-call: nobody sees a leave, the devices are let go, and cleared they come back', async () => {
    const [alice, bob] = await twoInACall();
    const left = record(bob, 'p2p-peer-left');
    const pc = alice.connectionTo(bob.peerId)!;
    const changes = record(alice, 'p2p-media-change');
    const [microphone, camera] = ['audio', 'video'].map((kind) => alice.localStream!.getTracks().find((t) => t.kind === kind)!);
    alice.noVideo = alice.noAudio = true;
    await until(() => camera.readyState === 'ended' && microphone.readyState === 'ended', 'camera and microphone let go');
    await until(() => part(bob, 'camera-off-indicator', alice.peerId) && part(bob, 'muted-indicator', alice.peerId), 'both indicators at Bob');
    expect(changes, 'the page hears that nothing is sent').to.deep.equal([{ audio: false, video: false, screen: false }]);
    // Like their buttons, the pickers of a kind never captured are disabled.
    const controls = ['mute-button', 'camera-button', 'microphone-select', 'camera-select'].map((name) => part(alice, name) as HTMLButtonElement);
    expect(controls.map((control) => control.disabled)).to.deep.equal([true, true, true, true]);
    alice.noVideo = alice.noAudio = false;
    await keepsDecoding(bob, alice.peerId);
    await until(() => part(bob, 'speaking', alice.peerId), 'Alice heard again', 15_000);
    expect(left, 'nobody saw Alice leave').to.deep.equal([]);
    expect(alice.connectionTo(bob.peerId), 'the same connection').to.equal(pc);
    expect(changes.at(-1)).to.deep.equal({ audio: true, video: true, screen: false });
  });

  it('camera off while it is still opening: it is let go once open, and never sent', async () => {
    const [alice, bob] = await twoInACall();
    const { opening, open, tracks, undo } = holdCapture(); // A camera that takes its time to open, as real ones do.
    const videoSender = alice.connectionTo(bob.peerId)!.getSenders().find((s) => s.track?.kind === 'video')!;
    const sent: (MediaStreamTrack | null)[] = [];
    const replaceTrack = videoSender.replaceTrack.bind(videoSender);
    videoSender.replaceTrack = (track) => (sent.push(track), replaceTrack(track));
    try {
      const first = alice.localStream!.getVideoTracks()[0];
      alice.cameraOff = true;
      await until(() => first.readyState === 'ended', 'the camera let go');
      alice.cameraOff = false;
      await until(() => opening.length === 1, 'the camera opening again');
      alice.cameraOff = true; // Before it has opened.
      await alice.updateComplete;
      open();
      const [reopened] = await tracks(0, 'video');
      await until(() => reopened.readyState === 'ended', 'the camera that opened meanwhile let go');
      await until(() => part(bob, 'camera-off-indicator', alice.peerId), 'the camera-off indicator at Bob');
      expect(alice.localStream!.getVideoTracks()).to.deep.equal([]);
      expect(videoSender.track).to.equal(null);
      expect(sent, 'what went on the wire: only the camera taken off').to.deep.equal([null]);
    } finally {
      undo();
    }
  });

  it('the camera button stops a camera that is still opening', async () => {
    const [alice, bob] = await twoInACall();
    const button = () => part(alice, 'camera-button') as HTMLButtonElement;
    const first = alice.localStream!.getVideoTracks()[0];
    button().click();
    await until(() => first.readyState === 'ended', 'the camera let go');
    const { opening, open, tracks, undo } = holdCapture();
    try {
      button().click();
      await until(() => opening.length === 1, 'the camera opening again');
      await alice.updateComplete;
      // It is on its way: the button's next press stops it, not "starts" it again.
      expect(button().textContent).to.equal('Stop camera');
      button().click(); // Changed their mind before it opened.
      open();
      const [reopened] = await tracks(0, 'video');
      await until(() => reopened.readyState === 'ended', 'the camera that opened meanwhile let go');
      await alice.updateComplete;
      expect(alice.cameraOff).to.equal(true);
      expect(button().textContent).to.equal('Start camera');
      expect(alice.localStream!.getVideoTracks()).to.deep.equal([]);
      await until(() => part(bob, 'camera-off-indicator', alice.peerId), 'the camera-off indicator at Bob');
    } finally {
      undo();
    }
  });

  it('switched off while the browser is still asked (a permission prompt open): let go once given, and never sent', async () => {
    const sent: MediaStreamTrack[] = [];
    const { replaceTrack } = RTCRtpSender.prototype;
    RTCRtpSender.prototype.replaceTrack = function (track) {
      if (track) sent.push(track);
      return replaceTrack.call(this, track);
    };
    const { opening, open, tracks, undo } = holdCapture();
    try {
      const room = uniqueRoom();
      const alice = mountCall({ room, name: 'Alice' });
      await until(() => opening.length === 1, 'Alice asking for her camera and microphone');
      alice.cameraOff = true; // her button
      alice.noAudio = true; // the page's switch
      await alice.updateComplete;
      undo();
      const bob = mountCall({ room, name: 'Bob' });
      await until(() => alice.connectionTo(bob.peerId)?.connectionState === 'connected', 'Alice and Bob connected');
      open();
      const given = await tracks(0);
      expect(given.map((t) => t.kind).sort()).to.deep.equal(['audio', 'video']);
      await until(() => given.every((t) => t.readyState === 'ended'), 'camera and microphone let go');
      expect(alice.localStream?.getTracks() ?? []).to.deep.equal([]);
      expect(sent.filter((t) => given.includes(t)), 'nothing of them went on the wire').to.deep.equal([]);
      await alice.updateComplete;
      expect(part(alice, 'local-tile')!.part.contains('camera-off'), 'her own tile shows the camera off').to.equal(true);
      expect(part(alice, 'mute-button')!.hasAttribute('disabled')).to.equal(true);
    } finally {
      undo();
      RTCRtpSender.prototype.replaceTrack = replaceTrack;
    }
  });

  it('a camera picked while the browser is still asked is the one sent', async () => {
    const wanted = (await cameras()).find((d) => d.label === 'fake_device_2')!.deviceId;
    const { opening, open, tracks, undo } = holdCapture();
    try {
      const room = uniqueRoom();
      const alice = mountCall({ room, name: 'Alice' });
      await until(() => opening.length === 1, 'Alice asking for her camera and microphone');
      const changed = nextEvent(alice, 'p2p-device-change');
      alice.camera = wanted;
      await alice.updateComplete;
      undo();
      open();
      expect((await changed).detail).to.deep.equal({ kind: 'video', deviceId: wanted });
      const bob = mountCall({ room, name: 'Bob' });
      await expectDecodesVideoFrom(bob, alice.peerId);
      const sender = alice.connectionTo(bob.peerId)!.getSenders().find((s) => s.track?.kind === 'video')!;
      expect(sender.track!.label).to.equal('fake_device_2');
      const [first] = await tracks(0, 'video');
      expect(first.readyState, 'the camera first opened is let go').to.equal('ended');
    } finally {
      undo();
    }
  });

  it('a call started muted and with the camera off never sends either, nor opens the camera, until switched on', async () => {
    const room = uniqueRoom();
    const alice = mountCall({ room, name: 'Alice', muted: true, 'camera-off': true });
    const ready = await nextEvent(alice, 'p2p-local-stream');
    await alice.updateComplete;
    expect(ready.detail.stream!.getTracks().map((t) => [t.kind, t.enabled])).to.deep.equal([['audio', false]]);
    const bob = mountCall({ room, name: 'Bob' });
    await nextEvent(bob, 'p2p-joined');
    await until(() => part(bob, 'muted-indicator', alice.peerId) && part(bob, 'camera-off-indicator', alice.peerId), 'both indicators at Bob');
    alice.muted = false;
    await alice.updateComplete;
    expect(alice.localStream!.getAudioTracks()[0].enabled).to.equal(true);
    await until(() => !part(bob, 'muted-indicator', alice.peerId), 'the muted indicator to go');
    expect(part(alice, 'camera-button')!.textContent).to.equal('Start camera');
    part(alice, 'camera-button')!.dispatchEvent(new MouseEvent('click'));
    await expectDecodesVideoFrom(bob, alice.peerId);
    await until(() => !part(bob, 'camera-off-indicator', alice.peerId), 'the camera-off indicator to go');
  });

  it('no muted or camera-off marks while a peer’s camera is still starting', async () => {
    const room = uniqueRoom();
    const alice = mountCall({ room, name: 'Alice' });
    await nextEvent(alice, 'p2p-joined');
    const media = navigator.mediaDevices;
    const realGetUserMedia = media.getUserMedia;
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    // Bob's browser is still asking him whether the page may use his camera and microphone.
    media.getUserMedia = async (constraints) => {
      await answered;
      return realGetUserMedia.call(media, constraints);
    };
    try {
      const bob = mountCall({ room, name: 'Bob' });
      await until(() => part(alice, 'tile', bob.peerId), 'Bob’s tile at Alice');
      await alice.updateComplete;
      expect(alice.peers[0]!.status).to.not.have.any.keys('audio', 'video');
      expect(part(alice, 'muted-indicator', bob.peerId)).to.equal(null);
      expect(part(alice, 'camera-off-indicator', bob.peerId)).to.equal(null);
      answer();
      await until(() => alice.peers[0]!.status.audio === true && alice.peers[0]!.status.video === true, 'Bob’s media at Alice');
      await expectDecodesVideoFrom(alice, bob.peerId);
      expect(part(alice, 'muted-indicator', bob.peerId)).to.equal(null);
    } finally {
      media.getUserMedia = realGetUserMedia;
    }
  });

  it('a shared screen takes a row of the grid to itself, the whole width', async () => {
    const [alice, bob] = await twoInACall();
    mountCall({ room: alice.room, name: 'Carol' });
    await until(() => tilePeers(bob).length === 2, 'Carol at Bob');
    await alice.shareScreen();
    const tile = (await until(() => part(bob, 'presenting', alice.peerId), 'the presenting part at Bob'))!;
    await bob.updateComplete;
    const announced = () => bob.shadowRoot!.querySelector('#announcer')!.textContent;
    expect(announced(), 'said, for who cannot see the grid').to.contain('Alice\u2069 is sharing their screen.');
    const width = (element: Element) => Math.round(element.getBoundingClientRect().width);
    expect(width(tile)).to.equal(width(part(bob, 'grid')!));
    await alice.stopScreenShare();
    await until(() => !part(bob, 'presenting', alice.peerId), 'the part gone');
    await bob.updateComplete;
    expect(announced()).to.contain('Alice\u2069 stopped sharing their screen.');
    expect(width(part(bob, 'tile', alice.peerId)!)).to.be.lessThan(width(part(bob, 'grid')!) / 2 + 1);
  });

  it('screen share replaces the camera at the other side, and back', async () => {
    const [alice, bob] = await twoInACall();
    const video = remoteVideo(bob, alice.peerId)!;
    await until(() => Math.abs(aspect(video) - 4 / 3) < 0.05, 'the 4:3 camera at Bob');
    // Read-only, as a two-way binding might not expect: written, it would tell Bob of a share that is not there.
    const told = record(alice, 'p2p-media-change');
    expect(() => Object.assign(alice, { screenSharing: true })).to.throw(TypeError);
    await alice.updateComplete;
    expect([alice.screenSharing, told]).to.deep.equal([false, []]);
    expect(await alice.shareScreen()).to.equal(true);
    expect(alice.screenSharing).to.equal(true);
    // The fake screen is 16:9: frames from the new source have its shape.
    await until(() => Math.abs(aspect(video) - 16 / 9) < 0.05, `16:9 screen frames at Bob (${aspect(video)})`);
    await until(() => part(bob, 'presenting', alice.peerId), 'the presenting part at Bob');
    await keepsDecoding(bob, alice.peerId);

    await alice.stopScreenShare();
    await until(() => Math.abs(aspect(video) - 4 / 3) < 0.05, 'the camera back at Bob');
    await keepsDecoding(bob, alice.peerId);
  });

  const interruptions: [string, (call: P2PCallElement) => void][] = [
    ['leaving', (call) => call.leave()],
    ['stopScreenShare()', (call) => void call.stopScreenShare()], // A page's own Cancel, say.
  ];
  for (const [what, interrupt] of interruptions) {
    it(`${what} while the browser asks which screen to share shares nothing`, async () => {
      const [alice] = await twoInACall();
      const sharing = alice.shareScreen();
      interrupt(alice);
      expect(await sharing).to.equal(false);
      await alice.updateComplete;
      expect(alice.screenSharing).to.equal(false);
      expect(part(alice, 'local-video')!.classList.contains('screen'), 'the self view shows no screen').to.equal(false);
    });
  }

  it('a screen the browser cannot capture is told (screen-failed); a cancelled picker is not', async () => {
    const [alice] = await twoInACall();
    const errors = record(alice, 'p2p-error');
    const media = navigator.mediaDevices;
    const { getDisplayMedia } = media;
    try {
      media.getDisplayMedia = () => Promise.reject(new DOMException('the user cancelled', 'NotAllowedError'));
      expect(await alice.shareScreen()).to.equal(false);
      expect(errors, 'a cancel is no error').to.deep.equal([]);
      media.getDisplayMedia = () => Promise.reject(new DOMException('no screen to capture', 'NotFoundError'));
      expect(await alice.shareScreen()).to.equal(false);
      expect(errors.map((e) => e.code)).to.deep.equal(['screen-failed']);
      await alice.updateComplete;
      expect(part(alice, 'error')!.textContent).to.contain('The screen could not be shared');
    } finally {
      media.getDisplayMedia = getDisplayMedia;
    }
    expect(await alice.shareScreen(), 'a share that works').to.equal(true);
    await alice.updateComplete;
    expect(part(alice, 'error'), 'its message gone').to.equal(null);
  });

  it('a share ends with the call (leaving, or a new room): back in one, the camera is sent, not a stale share', async () => {
    const [alice, bob] = await twoInACall();
    expect(await alice.shareScreen()).to.equal(true);
    await until(() => part(bob, 'presenting', alice.peerId), 'the presenting part at Bob');
    const gone = nextEvent(bob, 'p2p-peer-left');
    const shareEnded = nextEvent(alice, 'p2p-media-change');
    alice.leave();
    await gone;
    expect((await shareEnded).detail.screen).to.equal(false);
    expect(alice.screenSharing).to.equal(false);

    alice.join();
    await nextEvent(alice, 'p2p-joined');
    await expectDecodesVideoFrom(bob, alice.peerId);
    const video = remoteVideo(bob, alice.peerId)!;
    await until(() => Math.abs(aspect(video) - 4 / 3) < 0.05, 'the 4:3 camera at Bob');
    expect(bob.peers[0]!.status.screen, 'not presenting at Bob').to.equal(false);
    expect(part(alice, 'screen-button')!.textContent).to.equal('Share screen');

    // A new room is other people: the share does not follow her there.
    expect(await alice.shareScreen()).to.equal(true);
    await until(() => part(bob, 'presenting', alice.peerId), 'presenting again at Bob');
    const room = uniqueRoom();
    const moved = Promise.all([nextEvent(alice, 'p2p-joined'), nextEvent(bob, 'p2p-joined')]);
    Object.assign(alice, { room });
    Object.assign(bob, { room });
    await moved;
    expect(alice.screenSharing).to.equal(false);
    await expectDecodesVideoFrom(bob, alice.peerId);
    const there = remoteVideo(bob, alice.peerId)!;
    await until(() => Math.abs(aspect(there) - 4 / 3) < 0.05, 'the 4:3 camera at Bob in the new room');
    expect(bob.peers[0]!.status.screen, 'not presenting in the new room').to.equal(false);
  });

  it('sound the browser blocks: the video plays, a button lets the sound through', async () => {
    // Stands in for the autoplay policy: the test browser lets pages play sound without a click.
    const play = HTMLMediaElement.prototype.play;
    let blocked = true;
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      return blocked && !this.muted ? Promise.reject(new DOMException('no click yet', 'NotAllowedError')) : play.call(this);
    };
    try {
      const [alice, bob] = await twoInACall();
      const soundButton = () => part(bob, 'sound-button');
      const sound = () => part(bob, 'tile', alice.peerId)!.querySelector('audio')!;
      await until(soundButton, 'the sound button');
      expect(sound().paused, 'no sound yet').to.equal(true);
      expect(bob.shadowRoot!.querySelector('#announcer')!.textContent, 'said, for who cannot see the button').to.contain('blocked the sound');
      await keepsDecoding(bob, alice.peerId);

      // Whose sound was blocked left: the button goes with them, and comes back with the next.
      const gone = nextEvent(bob, 'p2p-peer-left');
      alice.leave();
      await gone;
      await bob.updateComplete;
      expect(soundButton(), 'no one left to hear').to.equal(null);
      alice.join();
      const button = (await until(soundButton, 'the sound button again'))!;

      blocked = false; // The click is the gesture that lets sound through.
      button.dispatchEvent(new MouseEvent('click'));
      await bob.updateComplete;
      await until(() => !sound().paused, 'Alice’s sound playing');
      expect(soundButton()).to.equal(null);
      await keepsDecoding(bob, alice.peerId);
    } finally {
      HTMLMediaElement.prototype.play = play;
    }
  });

  it('someone with no camera is heard: their sound does not wait for a first video frame', async () => {
    const room = uniqueRoom();
    const alice = mountCall({ room, name: 'Alice', 'no-video': true });
    const bob = mountCall({ room, name: 'Bob' });
    await nextEvent(bob, 'p2p-joined');
    // The speaking part comes from the audio level of what Bob's browser plays.
    await until(() => part(bob, 'speaking', alice.peerId), 'Alice’s voice reaching Bob', 15_000);
  });

  it('switching the camera sends the new device live, and the self view follows', async () => {
    const [alice, bob] = await twoInACall();
    const self = part(alice, 'local-video') as HTMLVideoElement;
    // The self view plays the camera alone: with the microphone in its stream a
    // muted <video> still opens an audio output and renders my voice into it.
    const shown = () => (self.srcObject as MediaStream | null)?.getTracks().map((t) => t.label);
    expect(shown()).to.deep.equal(['fake_device_0']);
    await new Promise((resolve) => self.requestVideoFrameCallback(resolve));
    await until(() => alice.devices.filter((d) => d.kind === 'videoinput').length >= 2, 'several cameras');
    const select = (await until(() => part(alice, 'camera-select'), 'the camera picker')) as HTMLSelectElement;
    // fake_device_1 is a depth camera (Y16) that encoders refuse; fake_device_2 is a plain one.
    const other = alice.devices.find((d) => d.kind === 'videoinput' && d.label === 'fake_device_2')!;
    const switched = nextEvent(alice, 'p2p-device-change');
    select.value = other.deviceId;
    select.dispatchEvent(new Event('change'));
    expect((await switched).detail).to.deep.equal({ kind: 'video', deviceId: other.deviceId });
    const sender = alice.connectionTo(bob.peerId)!.getSenders().find((s) => s.track?.kind === 'video')!;
    expect(sender.track!.label).to.equal('fake_device_2');
    expect(alice.localStream!.getVideoTracks().map((t) => t.label)).to.deep.equal(['fake_device_2']);
    expect(shown()).to.deep.equal(['fake_device_2']);
    await keepsDecoding(bob, alice.peerId);
  });

  it('the speaker picker plays the others on the chosen output, also someone who joins after', async () => {
    const [alice] = await twoInACall();
    const outputs = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audiooutput');
    const chosen = outputs.at(-1)!.deviceId; // Not 'default'.
    const select = (await until(() => part(alice, 'speaker-select'), 'the speaker picker')) as HTMLSelectElement;
    expect(selected(alice, 'speaker-select').value, 'the system’s output at first').to.equal('default');
    select.value = chosen;
    select.dispatchEvent(new Event('change'));
    const sinks = () => [...alice.shadowRoot!.querySelectorAll('audio')].map((audio) => audio.sinkId);
    await until(() => sinks().join() === chosen, 'Bob heard on the chosen output');
    expect(alice.speaker).to.equal(chosen);
    mountCall({ room: alice.room, name: 'Carol' });
    await until(() => sinks().length === 2 && sinks().every((sink) => sink === chosen), 'Carol heard there too');
    // One not plugged in (a deviceId kept from an earlier visit) is told, as a camera is; the sound stays where it was.
    const errors = record(alice, 'p2p-error');
    alice.speaker = 'not-plugged-in';
    await until(() => errors.length, 'media-unplugged');
    expect(errors.map((e) => e.code)).to.deep.equal(['media-unplugged']);
    expect(sinks()).to.deep.equal([chosen, chosen]);
    // Told once per pick, not again for each person who joins meanwhile.
    mountCall({ room: alice.room, name: 'Dora' });
    await until(() => sinks().length === 3, 'Dora heard');
    await sleep(300);
    expect(errors.length).to.equal(1);
  });

  it('a camera that goes away: another takes over; with none left, the others see it off until one is plugged in', async () => {
    const [alice, bob] = await twoInACall();
    /** What the browser does when a device is unplugged: the track ends by itself. */
    const unplug = () => {
      const track = alice.localStream!.getVideoTracks()[0];
      track.stop();
      track.dispatchEvent(new Event('ended'));
    };
    const errors: string[] = [];
    alice.addEventListener('p2p-error', ({ detail }) => errors.push(detail.code));
    const videoShownAtBob = () => part(bob, 'camera-off-indicator', alice.peerId) === null;

    // Another camera is there (Chromium's fake ones): it takes over, with no message.
    let changed = nextEvent(alice, 'p2p-device-change');
    unplug();
    expect((await changed).detail.kind).to.equal('video');
    await keepsDecoding(bob, alice.peerId);
    expect(errors).to.deep.equal([]);
    expect(alice.localStream!.getVideoTracks().map((t) => t.readyState)).to.deep.equal(['live']);

    // No camera left: a message, and the others see my camera as off rather than a frozen frame.
    const undo = failCamera('NotFoundError');
    try {
      unplug();
      await until(() => errors.includes('media-lost'), 'a media-lost error');
      await until(() => !videoShownAtBob(), 'the camera-off indicator at Bob');
      expect(getComputedStyle(remoteVideo(bob, alice.peerId)!).visibility, 'no frozen last frame').to.equal('hidden');
      await alice.updateComplete;
      expect(part(alice, 'error')!.textContent).to.contain('went away');
    } finally {
      undo();
    }

    // A camera is plugged in: it comes back by itself.
    changed = nextEvent(alice, 'p2p-device-change');
    navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    await changed;
    await until(videoShownAtBob, 'the camera-off indicator to go at Bob');
    expect(getComputedStyle(remoteVideo(bob, alice.peerId)!).visibility).to.equal('visible');
    await keepsDecoding(bob, alice.peerId);
    await alice.updateComplete;
    expect(part(alice, 'error')).to.equal(null);
    expect(alice.localStream!.getVideoTracks().map((t) => t.readyState)).to.deep.equal(['live']);
  });

  it('a headset and no camera: heard at once, and a camera plugged in later is seen', async () => {
    // Asked for both, a browser with no camera fails the whole request.
    const undo = failCamera('NotFoundError');
    let alice: P2PCallElement, bob: P2PCallElement;
    try {
      [alice, bob] = await callWithoutCamera('media-missing');
      await until(() => part(bob, 'camera-off-indicator', alice.peerId), 'Alice’s camera shown as off at Bob');
      await until(() => !part(bob, 'muted-indicator', alice.peerId), 'Alice’s microphone shown as on at Bob');
      await until(() => part(bob, 'speaking', alice.peerId), 'Alice’s voice reaching Bob', 15_000);
      expect(part(alice, 'error')!.textContent).to.contain('No camera');
      // In another room too: the new call sends the microphone captured alone, not the failed first capture's nothing.
      const room = uniqueRoom();
      const moved = Promise.all([nextEvent(alice, 'p2p-joined'), nextEvent(bob, 'p2p-joined')]);
      Object.assign(alice, { room });
      Object.assign(bob, { room });
      await moved;
      const sending = () => alice.connectionTo(bob.peerId)?.getSenders().map((sender) => sender.track?.kind);
      await until(() => sending()?.includes('audio'), () => `Alice sending her microphone in the new room (${sending()})`);
    } finally {
      undo();
    }

    const changed = nextEvent(alice, 'p2p-device-change');
    navigator.mediaDevices.dispatchEvent(new Event('devicechange')); // A camera is plugged in.
    expect((await changed).detail.kind).to.equal('video');
    await expectDecodesVideoFrom(bob, alice.peerId);
    await until(() => !part(bob, 'camera-off-indicator', alice.peerId), 'the camera-off indicator to go at Bob');
    await alice.updateComplete;
    expect(part(alice, 'error')).to.equal(null);
    const selfView = (part(alice, 'local-video') as HTMLVideoElement).srcObject as MediaStream;
    expect(selfView.getVideoTracks().map((t) => t.readyState), 'the self view shows the new camera').to.deep.equal(['live']);
  });

  it('a camera busy at the start shows as off, and Start camera tries it again', async () => {
    const undo = failCamera('NotReadableError');
    let alice: P2PCallElement, bob: P2PCallElement;
    try {
      [alice, bob] = await callWithoutCamera('media-busy');
      expect(part(alice, 'camera-button')!.textContent).to.equal('Start camera');
      expect(part(alice, 'camera-button')!.part.contains('active'), 'coloured as off').to.equal(true);
      // The picker names no camera while none runs (any camera picked there is then a change).
      await until(() => part(alice, 'camera-select'), 'the camera picker');
      expect(selected(alice, 'camera-select')).to.deep.equal({ value: '', text: 'Camera off' });
    } finally {
      undo(); // The other application lets the camera go.
    }

    const changed = nextEvent(alice, 'p2p-device-change');
    (part(alice, 'camera-button') as HTMLButtonElement).click();
    expect((await changed).detail.kind).to.equal('video');
    await expectDecodesVideoFrom(bob, alice.peerId);
    await alice.updateComplete;
    expect(part(alice, 'camera-button')!.textContent).to.equal('Stop camera');
    expect(part(alice, 'error')).to.equal(null);
    expect(alice.cameraOff).to.equal(false);
    expect(selected(alice, 'camera-select').value).to.equal(alice.localStream!.getVideoTracks()[0].getSettings().deviceId);
  });

  it('after a failed start, picking the camera asked for in the picker starts it', async () => {
    const wanted = (await cameras()).find((d) => d.label === 'fake_device_2')!.deviceId;
    const undo = failCamera('NotReadableError');
    try {
      const [alice, bob] = await callWithoutCamera('media-busy', { camera: wanted });
      const select = (await until(
        () => [...((part(alice, 'camera-select') as HTMLSelectElement | null)?.options ?? [])].some((o) => o.value === wanted) && part(alice, 'camera-select'),
        'the camera picker, listing the camera',
      )) as HTMLSelectElement;
      const changed = nextEvent(alice, 'p2p-device-change');
      // The camera works again (the app that held it let go) just as it is picked: not earlier, or
      // the element's own retry (a devicechange brings one) could start it first, and the pick of
      // a camera already running would rightly change nothing.
      undo();
      select.value = wanted; // The same device as the `camera` property: no property change.
      select.dispatchEvent(new Event('change'));
      expect((await changed).detail).to.deep.equal({ kind: 'video', deviceId: wanted });
      await expectDecodesVideoFrom(bob, alice.peerId);
    } finally {
      undo();
    }
  });

  it('a chosen camera that is not there: the browser’s is used, and the chosen microphone is kept', async () => {
    const microphones = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput');
    const microphone = microphones.at(-1)!; // Not 'default', the one the browser would pick by itself.
    expect(microphone.deviceId).not.to.equal('default');
    const room = uniqueRoom();
    const alice = mountCall({ room, name: 'Alice', camera: 'a-camera-unplugged-since', microphone: microphone.deviceId });
    const errors = record(alice, 'p2p-error');
    const bob = mountCall({ room, name: 'Bob' });
    await expectDecodesVideoFrom(bob, alice.peerId);
    expect(alice.localStream!.getAudioTracks()[0].getSettings().deviceId).to.equal(microphone.deviceId);
    expect(errors.map((e) => e.code)).to.deep.equal([]);
    expect(alice.camera, 'the wish is kept').to.equal('a-camera-unplugged-since');
  });

  it('every device picked during a call that is not there is told, the second too, and the call goes on', async () => {
    const [alice, bob] = await twoInACall();
    const errors = record(alice, 'p2p-error');
    alice.camera = 'a-camera-not-there';
    await until(() => errors.length === 1, 'the first pick’s error');
    alice.microphone = 'a-microphone-not-there';
    await until(() => errors.length === 2, () => `the second pick’s error: ${JSON.stringify(errors)}`);
    // Not "no camera was found": the one she had still works.
    expect(errors.map((e) => e.code)).to.deep.equal(['media-unplugged', 'media-unplugged']);
    await alice.updateComplete;
    expect(part(alice, 'error')!.textContent).to.contain('not plugged in');
    await expectDecodesVideoFrom(bob, alice.peerId);
  });

  it('a camera picked while it is off that is not there is told when it is turned on, each time, until another is picked', async () => {
    const [alice, bob] = await twoInACall();
    const errors = record(alice, 'p2p-error');
    const button = () => part(alice, 'camera-button') as HTMLButtonElement;
    const first = alice.localStream!.getVideoTracks()[0];
    button().click();
    await until(() => first.readyState === 'ended', 'the camera let go');
    alice.camera = 'a-camera-not-there';
    await alice.updateComplete;
    button().click();
    await until(() => errors.length === 1, 'the pick’s error');
    // Not another camera in its place: a pick is that device or an error.
    expect(alice.localStream!.getVideoTracks()).to.deep.equal([]);
    await alice.updateComplete;
    expect(button().textContent).to.equal('Start camera');
    expect(part(alice, 'error')!.textContent).to.contain('not plugged in');
    button().click(); // Pressed again: told again, and still no other camera.
    await until(() => errors.length === 2, 'the error told again');
    expect(errors.map((e) => e.code)).to.deep.equal(['media-unplugged', 'media-unplugged']);
    expect(alice.localStream!.getVideoTracks()).to.deep.equal([]);
    const other = (await cameras()).find((d) => d.label === 'fake_device_2')!.deviceId;
    const changed = nextEvent(alice, 'p2p-device-change');
    alice.camera = other; // as the picker does
    expect((await changed).detail).to.deep.equal({ kind: 'video', deviceId: other });
    await keepsDecoding(bob, alice.peerId);
    await alice.updateComplete;
    expect(part(alice, 'error')).to.equal(null);
  });

  it('a media error stays while the other kind is still being tried, and is told once', async () => {
    let answerMicrophone = () => {};
    const microphoneTried = new Promise<void>((resolve) => (answerMicrophone = resolve));
    // Both busy together; then the camera alone works, and the microphone alone is still busy, later.
    const undo = scriptCapture(async ({ audio, video }) =>
      audio && video ? 'NotReadableError' : audio ? (await microphoneTried, 'NotReadableError') : 'real',
    );
    try {
      const alice = mountCall({ room: uniqueRoom(), name: 'Alice' });
      const errors = record(alice, 'p2p-error');
      await until(() => alice.localStream?.getVideoTracks()[0]?.readyState === 'live', 'the camera alone');
      await alice.updateComplete;
      expect(part(alice, 'error'), 'shown while the microphone is still tried').to.exist;
      answerMicrophone();
      await until(() => part(alice, 'mute-button')!.textContent === 'Unmute', 'the microphone shown as off');
      expect(errors.map((e) => e.code)).to.deep.equal(['media-busy']);
      expect(part(alice, 'error')).to.exist;
    } finally {
      undo();
    }
  });

  it('a camera still being tried when I leave does not keep the next call from trying it', async () => {
    let answerFirstRetry = () => {};
    const firstRetry = new Promise<void>((resolve) => (answerFirstRetry = resolve));
    // The camera is busy when each call starts; the first call's retry answers only after I left.
    let requests = 0;
    const undo = scriptCapture(async (_, n) => {
      requests = n + 1;
      return n === 0 || n === 2 ? 'NotReadableError' : n === 1 ? (await firstRetry, 'real') : 'real';
    });
    try {
      const room = uniqueRoom();
      const alice = mountCall({ room, name: 'Alice', 'no-audio': true });
      await until(() => requests === 2, 'the first call’s camera busy, and tried again');
      alice.leave();
      await alice.updateComplete;
      alice.join();
      await nextEvent(alice, 'p2p-joined');
      answerFirstRetry();
      await until(() => alice.localStream?.getVideoTracks()[0]?.readyState === 'live', 'the camera in the new call');
      const bob = mountCall({ room, name: 'Bob' });
      await expectDecodesVideoFrom(bob, alice.peerId);
    } finally {
      undo();
    }
  });

  it('a camera that could not be put on the wire is told and let go, and the next pick still works', async () => {
    const [alice, bob] = await twoInACall();
    const [, second, third] = (await cameras()).map((d) => d.deviceId);
    const errors = record(alice, 'p2p-error');
    const opened: MediaStreamTrack[] = [];
    const media = navigator.mediaDevices;
    const { getUserMedia } = media;
    media.getUserMedia = async (constraints) => {
      const stream = await getUserMedia.call(media, constraints);
      opened.push(...stream.getTracks());
      return stream;
    };
    // What a closed connection's sender does; here once, for the first pick.
    const { replaceTrack } = RTCRtpSender.prototype;
    RTCRtpSender.prototype.replaceTrack = function () {
      RTCRtpSender.prototype.replaceTrack = replaceTrack;
      return Promise.reject(new DOMException('the connection is closed', 'InvalidStateError'));
    };
    try {
      alice.camera = second!;
      await until(() => errors.length, 'the failed pick told');
      expect(errors.map((e) => e.code)).to.deep.equal(['media-failed']);
      expect(opened.map((t) => t.readyState), 'its camera let go').to.deep.equal(['ended']);
      const changed = nextEvent(alice, 'p2p-device-change');
      alice.camera = third!;
      expect((await changed).detail.deviceId).to.equal(third);
    } finally {
      media.getUserMedia = getUserMedia;
      RTCRtpSender.prototype.replaceTrack = replaceTrack;
    }
    await expectDecodesVideoFrom(bob, alice.peerId);
  });

  it('leave and join again; the keyboard focus stays in the toolbar', async () => {
    const [alice, bob] = await twoInACall();
    const announced = () => alice.shadowRoot!.querySelector('#announcer')!.textContent!;
    const before = announced();
    expect(before).to.contain('Bob\u2069 joined the call.');
    // A group a screen reader names, not a role="toolbar" whose arrow keys would do nothing.
    expect([part(alice, 'controls')!.getAttribute('role'), part(alice, 'controls')!.getAttribute('aria-label')]).to.deep.equal(['group', 'Call controls']);
    const gone = nextEvent(bob, 'p2p-peer-left');
    // As from the keyboard: the button that goes must not take the focus along to <body>.
    (part(alice, 'leave-button') as HTMLButtonElement).focus();
    part(alice, 'leave-button')!.dispatchEvent(new MouseEvent('click'));
    await gone;
    await alice.updateComplete;
    expect(alice.localStream).to.equal(null);
    expect(part(alice, 'status')!.textContent).to.contain('left');
    expect(alice.shadowRoot!.activeElement, 'focus on Join again').to.equal(part(alice, 'join-button'));
    part(alice, 'join-button')!.dispatchEvent(new MouseEvent('click'));
    await alice.updateComplete;
    expect(alice.shadowRoot!.activeElement?.closest('[part~="controls"]'), 'focus still in the toolbar').to.equal(part(alice, 'controls'));
    await nextEvent(alice, 'p2p-joined');
    await expectDecodesVideoFrom(bob, alice.peerId);
    await expectDecodesVideoFrom(alice, bob.peerId);
    // Said again: the same words left in the live region would not be read out.
    expect(announced()).to.contain('Bob\u2069 joined the call.').and.not.equal(before);
    // Nor a button that is disabled while it has the focus (the page turned the microphone off for good).
    (part(alice, 'mute-button') as HTMLButtonElement).focus();
    alice.noAudio = true;
    await alice.updateComplete;
    const focused = alice.shadowRoot!.activeElement;
    expect(focused?.closest('[part~="controls"]') && !focused.matches(':disabled'), 'focus on a button that works').to.equal(true);
  });

  it('shows who is speaking, from audio levels, and stops when muted', async () => {
    const room = uniqueRoom();
    const alice = mountCall({ room, name: 'Alice' });
    const bob = mountCall({ room, name: 'Bob' });
    const heard: boolean[] = [];
    bob.addEventListener('p2p-speaking', ({ detail }) => {
      if (detail.peer === alice.peerId) heard.push(detail.speaking);
    });
    // Chromium's fake microphone beeps without pause: Alice is heard at Bob.
    await until(() => heard.at(-1) === true, 'Alice speaking at Bob', 15_000);
    await until(() => part(bob, 'speaking', alice.peerId), 'the speaking part on Alice’s tile');
    alice.muted = true;
    await until(() => heard.at(-1) === false, 'Alice silent at Bob once muted');
    expect(part(bob, 'speaking', alice.peerId)).to.equal(null);
  });

  it('my own tile shows when I speak, and stops when I mute', async () => {
    const [alice] = await twoInACall();
    const mine: boolean[] = [];
    alice.addEventListener('p2p-speaking', ({ detail }) => void (detail.peer === alice.peerId && mine.push(detail.speaking)));
    await until(() => part(alice, 'local-tile')!.part.contains('speaking'), 'my own tile speaking', 15_000);
    alice.muted = true;
    await until(() => mine.at(-1) === false, 'the p2p-speaking event saying I stopped');
    expect(part(alice, 'local-tile')!.part.contains('speaking')).to.equal(false);
  });

  it('asks for audio levels once at a time, however slow the stats come (a busy phone)', async () => {
    const [alice, bob] = await twoInACall();
    const pc = alice.connectionTo(bob.peerId)!;
    const getStats = pc.getStats.bind(pc);
    let inFlight = 0;
    let most = 0;
    let asked = 0;
    pc.getStats = async (...args: Parameters<RTCPeerConnection['getStats']>) => {
      asked++;
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // four sampling periods
      inFlight--;
      return getStats(...args);
    };
    await new Promise((resolve) => setTimeout(resolve, 2600));
    expect([most, asked >= 2], 'one at a time, and still asked').to.deep.equal([1, true]);
  });

  it('goes on telling who speaks after a getStats that never answers (Firefox, on a connection closed meanwhile)', async () => {
    const [alice, bob] = await twoInACall();
    const pc = alice.connectionTo(bob.peerId)!;
    const getStats = pc.getStats.bind(pc);
    let hung = 0;
    pc.getStats = (...args: Parameters<RTCPeerConnection['getStats']>) => (hung++ ? getStats(...args) : new Promise(() => {}));
    await until(() => hung >= 3, 'sampled again after the stuck sample', 5000);
    // And what it reads is heard: Bob, muted, stops speaking.
    await until(() => part(alice, 'speaking', bob.peerId), 'Bob speaking at Alice', 15_000);
    bob.muted = true;
    await until(() => !part(alice, 'speaking', bob.peerId), 'Bob no longer speaking at Alice once muted');
  });

  it('samples audio levels only while someone else is in the call', async () => {
    /** How often Alice's speaking monitor sampled in 2 s (8 at its rate): each sample asks for her connections, as each update does once. */
    const samplesIn2s = async (alice: P2PCallElement) => {
      let calls = 0;
      let updates = 0;
      const { connections } = alice;
      alice.connections = () => (calls++, connections.call(alice));
      const counter = { hostUpdated: () => updates++ };
      alice.addController(counter);
      await new Promise((r) => setTimeout(r, 2000));
      alice.removeController(counter);
      delete (alice as Partial<P2PCallElement>).connections;
      return calls - updates;
    };
    const room = uniqueRoom();
    const alice = mountCall({ room, name: 'Alice' });
    await nextEvent(alice, 'p2p-joined');
    expect(await samplesIn2s(alice), 'alone').to.equal(0);
    const speaking = record(alice, 'p2p-speaking');
    const bob = mountCall({ room, name: 'Bob' });
    await expectDecodesVideoFrom(alice, bob.peerId);
    expect(await samplesIn2s(alice), 'with Bob').to.be.above(5);
    // Chromium's fake microphone beeps without pause: both are speaking.
    await until(() => speaking.length >= 2, 'Alice and Bob speaking');
    const gone = nextEvent(alice, 'p2p-peer-left');
    bob.leave();
    await gone;
    await new Promise((r) => setTimeout(r, 300)); // The last sample, which says nobody is speaking now.
    expect(await samplesIn2s(alice), 'alone again').to.equal(0);
    const last = new Map(speaking.map(({ peer, speaking }) => [peer, speaking]));
    expect(Object.fromEntries(last), 'nobody speaking in the end').to.deep.equal({ [alice.peerId]: false, [bob.peerId]: false });
  });

  it('every control is a real, named button', async () => {
    const [alice] = await twoInACall();
    const buttons = [...alice.shadowRoot!.querySelectorAll('[part~="controls"] button')] as HTMLButtonElement[];
    expect(buttons.map((b) => b.getAttribute('part'))).to.include.members(['mute-button', 'camera-button', 'screen-button', 'leave-button']);
    for (const b of buttons) expect(b.textContent!.trim(), b.getAttribute('part')!).to.not.equal('');
    alice.strings = { mute: 'Stumm' };
    await alice.updateComplete;
    expect(part(alice, 'mute-button')!.textContent!.trim()).to.equal('Stumm');
  });
});
