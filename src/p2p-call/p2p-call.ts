import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { PeerStatus } from '../protocol/messages.js';
import { DEFAULT_MAX_PEERS, MAX_PEERS, MAX_ROOM_LENGTH, MIN_PEERS } from '../protocol/limits.js';
import { MediaController, type Send } from '../controllers/media-controller.js';
import type { MediaKind } from '../negotiation/peer-negotiator.js';
import { RoomController, type CallWish } from '../controllers/room-controller.js';
import { SpeakingController } from '../controllers/speaking-controller.js';
import type { PeerLeftReason, RemotePeer } from '../room/room-session.js';
import { emit, type P2PErrorCode } from './events.js';
import { iceServersConverter, iceServersProblem, type IceServersValue } from './ice-servers.js';
import { relayUrl } from './relay-url.js';
import { DEFAULT_STRINGS, format, langOf, peopleWord, type Strings } from './strings.js';
import { displayName, fitName } from './names.js';
import { styles } from './p2p-call.styles.js';
import { button, CAMERA, MICROPHONE, offIndicator, picker } from './templates.js';
import { createVideo, pausedByBrowser, setSink, setStream, showStream } from './video.js';

/**
 * Who I am to the relay: the id is public (every welcome lists it), the secret
 * proves that a reconnect is me (JoinMessage.secret).
 */
function newIdentity() {
  return { peerId: crypto.randomUUID(), secret: crypto.randomUUID() };
}

/** The property (and strings key, and part prefix) that picks the device of each kind. */
const DEVICE_PROPERTY = { audio: 'microphone', video: 'camera' } as const;
/** The switches that turn capture of a kind off (mute only disables the track: unmuting is instant). */
const KIND_SWITCHES = [
  ['video', ['cameraOff', 'noVideo']],
  ['audio', ['noAudio']],
] as const;
/** Problems with an attribute's value: they last until the attribute changes, not just a call. */
const ATTRIBUTE_ERRORS: P2PErrorCode[] = ['bad-ice-servers', 'bad-server', 'bad-room'];

/**
 * A text attribute: removing it is the same as emptying it (not `null`, which
 * no code here expects), and an empty value is shown as no attribute, not as
 * `camera=""` on every element that never chose a camera.
 */
const TEXT = { reflect: true, converter: { fromAttribute: (value: string | null) => value ?? '', toAttribute: (value: string) => value || null } };
/** What a device picker shows while no device of its kind runs. */
const OFF_LABEL = { audio: 'mutedIndicator', video: 'cameraOffIndicator' } as const;

/** My on/off switches, and what is announced when one flips: [when false, when true]. */
const SWITCH_ANNOUNCEMENTS = {
  muted: ['announceUnmuted', 'announceMuted'],
  cameraOff: ['announceCameraOn', 'announceCameraOff'],
  sharing: ['announceStoppedSharing', 'announceSharing'],
} as const;
type Switch = keyof typeof SWITCH_ANNOUNCEMENTS;

/** What is announced when someone goes, by why. */
const LEFT_ANNOUNCEMENTS = {
  left: 'announceLeft',
  lost: 'announceLost',
  failed: 'cannotConnect',
  unreachable: 'cannotConnect',
  unanswered: 'cannotConnect',
} as const satisfies Record<PeerLeftReason, keyof Strings>;

/** The switch flipped last in this update, if any; `undefined` old values are the first render, not a flip. */
function flippedSwitch(changed: PropertyValues<P2PCallElement>): Switch | undefined {
  // `sharing` is private, so not a key of PropertyValues: read it through the plain Map.
  return (Object.keys(SWITCH_ANNOUNCEMENTS) as Switch[]).filter((key) => (changed as Map<PropertyKey, unknown>).get(key) !== undefined).at(-1);
}

/**
 * A video call in one tag. Everyone whose page shows
 * `<p2p-call room="standup" server="wss://relay.example">` with the same room
 * and server is in the same call.
 *
 * @summary WebRTC video call between everyone in a room.
 *
 * @csspart stage - The area holding the grid.
 * @csspart grid - The grid of tiles: the remote ones, then the self view (which floats in a corner while there is one other).
 * @csspart tile - One person's tile (remote tiles and the local one).
 * @csspart local-tile - The tile of the local camera.
 * @csspart local-video - The `<video>` of the local camera (mirrored).
 * @csspart remote-video - Each remote person's `<video>`.
 * @csspart name - The name label on a tile.
 * @csspart muted-indicator - Shown on a tile whose microphone is off, your own included (an `<svg>` drawn in `color`, 1.3em high).
 * @csspart camera-off-indicator - Shown on a tile whose camera is off, your own included (likewise).
 * @csspart status - The one-line status text (a polite live region).
 * @csspart error - The box with error messages (role=alert); absent when all is well.
 * @csspart controls - The toolbar; hidden by `no-controls`.
 * @csspart mute-button - Toggles the microphone; one that could not be started shows as off, and turning it on tries again.
 * @csspart camera-button - Toggles the camera; one that could not be started shows as off, and turning it on tries again.
 * @csspart screen-button - Starts or stops sharing the screen (in a call, where the browser can share one).
 * @csspart camera-select - Chooses the camera (shown when there are several).
 * @csspart microphone-select - Chooses the microphone (shown when there are several).
 * @csspart speaker-select - Chooses where the others are heard (shown when there are several outputs and the browser can choose).
 * @csspart sound-button - Shown when the browser blocked sound until the user clicks; turns it on.
 * @csspart leave-button - Leaves the call (absent before there is one, e.g. with no room yet).
 * @csspart join-button - Joins again after leaving, or after the call ended without you (room full, not allowed in, relay address refused).
 * @csspart speaking - Added to a tile's parts while that person is speaking.
 * @csspart presenting - Added to a tile's parts while that person shares a screen.
 * @csspart camera-off - Added to a tile's parts while its camera is off, your own included.
 * @csspart connecting - Added to a remote tile's parts until the connection to that person is first up.
 * @csspart reconnecting - Added to a remote tile's parts while a connection that was up is being repaired.
 * @csspart active - Added to a toolbar button's parts while what it toggles is off or on (muted, camera off, sharing).
 *
 * @cssprop [--p2p-call-gap=8px] - Space between tiles and around the element.
 * @cssprop [--p2p-call-radius=12px] - Corner radius of the element; tiles use 4px less.
 * @cssprop [--p2p-call-background=#111318] - Background of the element.
 * @cssprop [--p2p-call-tile-background=#1d2029] - Background of an empty tile and of buttons.
 * @cssprop [--p2p-call-color=#f2f3f5] - Text color.
 * @cssprop [--p2p-call-color-scheme=dark] - `light` for a light theme: the browser draws its own parts (a picker's list, scrollbars) to match.
 * @cssprop [--p2p-call-control-border=rgb(255 255 255 / 0.15)] - Border of the toolbar's buttons and pickers (a light theme needs a darker one).
 * @cssprop [--p2p-call-accent=#3b82f6] - Focus ring, speaking outline; pressed buttons 20% darker.
 * @cssprop [--p2p-call-danger=#dc2626] - Error box; the Leave button 20% darker.
 * @cssprop [--p2p-call-min-height=auto] - Minimum height of the element (by default its content's: a height you set is kept).
 * @cssprop [--p2p-call-max-height=100dvh] - Tallest the element's content gets with no height set: the stage shrinks to keep the toolbar in view.
 * @cssprop [--p2p-call-tile-min-width=220px] - Narrowest a tile gets before the grid reflows.
 * @cssprop [--p2p-call-aspect-ratio=4 / 3] - Aspect ratio of video tiles.
 * @cssprop [--p2p-call-video-fit=contain] - `object-fit` of camera pictures: `contain` shows all of it, `cover` fills the tile, cutting what does not fit.
 * @cssprop [--p2p-call-self-width=24%] - Width of the self view over the grid.
 *
 * @event {CustomEvent<P2PCallEventDetails['p2p-joined']>} p2p-joined - Joined the room. detail: `{ room, peer }` (peer = my id).
 * @event {CustomEvent<P2PCallEventDetails['p2p-left']>} p2p-left - Left the room (leave(), room change, removal). detail: `{ room }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-peer-joined']>} p2p-peer-joined - Someone joined; on joining, once for each person already there, after `p2p-joined`; or someone given up on is connected again. detail: `{ peer, name? }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-peer-left']>} p2p-peer-left - Someone left (`left`), went without a goodbye (`lost`: they may be back), or their connection could not be repaired or never came up. detail: `{ peer, reason: 'left' | 'lost' | 'failed' | 'unreachable' | 'unanswered' }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-remote-stream']>} p2p-remote-stream - A remote person's media tracks arrived (announced; they flow once connected). detail: `{ peer, stream }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-connection-state']>} p2p-connection-state - A peer connection changed state. detail: `{ peer, state }` (RTCPeerConnectionState).
 * @event {CustomEvent<P2PCallEventDetails['p2p-peer-status']>} p2p-peer-status - A remote person muted, turned the camera off, renamed… detail: `{ peer, status }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-signaling-state']>} p2p-signaling-state - The relay connection changed. detail: `{ state: 'connecting' | 'open' | 'reconnecting' | 'closed' }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-local-stream']>} p2p-local-stream - The camera/mic stream is ready (or null when capture failed), as each call starts and when it changes. detail: `{ stream }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-media-change']>} p2p-media-change - Microphone, camera or screen share turned on or off. detail: `{ audio, video, screen }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-device-change']>} p2p-device-change - A camera or microphone starts being used (picked, turned on, plugged in, or taking over from one that went). detail: `{ kind: 'audio' | 'video', deviceId }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-speaking']>} p2p-speaking - Someone started or stopped speaking (peer = my peerId for me). detail: `{ peer, speaking }`.
 * @event {CustomEvent<P2PCallEventDetails['p2p-error']>} p2p-error - Something went wrong; it is also shown in the `error` part (but for a relay lost during a call with others: the status line says the call goes on). detail: `{ code, message }`.
 */
export class P2PCallElement extends LitElement {
  static override styles = styles;

  static override properties = {
    room: TEXT,
    server: TEXT,
    name: TEXT,
    iceServers: { attribute: 'ice-servers', converter: iceServersConverter },
    iceTransportPolicy: { attribute: 'ice-transport-policy' },
    maxPeers: { attribute: 'max-peers', type: Number },
    muted: { type: Boolean, reflect: true },
    cameraOff: { attribute: 'camera-off', type: Boolean, reflect: true },
    noAudio: { attribute: 'no-audio', type: Boolean, reflect: true },
    noVideo: { attribute: 'no-video', type: Boolean, reflect: true },
    noControls: { attribute: 'no-controls', type: Boolean, reflect: true },
    camera: TEXT,
    microphone: TEXT,
    speaker: TEXT,
    strings: { attribute: false },
    left: { state: true },
    sharing: { state: true },
    soundBlocked: { state: true },
    announcement: { state: true },
  };

  /** The room to join; everyone with the same room and server is in one call. */
  declare room: string;
  /**
   * The relay's WebSocket URL, e.g. `wss://relay.example` (any endpoint speaking docs/protocol.md),
   * or a path on this site (`/relay`) for a relay on the page's own server.
   */
  declare server: string;
  /** My display name, shown on my tile at the others. */
  declare name: string;
  /** STUN/TURN servers as JSON (`ice-servers` attribute) or an array (property). Default: none (same machine or LAN). */
  declare iceServers: IceServersValue;
  /** `'relay'` forces every connection through TURN. */
  declare iceTransportPolicy: RTCIceTransportPolicy;
  /** The most people I want in the room (the relay may cap lower). */
  declare maxPeers: number;
  /** Microphone off (the track stays, so unmuting needs no renegotiation). */
  declare muted: boolean;
  /** Camera off: the camera is let go, so its light goes off too; turning it on opens it again. */
  declare cameraOff: boolean;
  /** Do not capture the microphone at all. */
  declare noAudio: boolean;
  /** Do not capture the camera at all. */
  declare noVideo: boolean;
  /** Hide the built-in toolbar (draw your own with the methods and attributes). */
  declare noControls: boolean;
  /** deviceId of the camera to use; changing it switches live, without renegotiation. */
  declare camera: string;
  /** deviceId of the microphone to use; changing it switches live. */
  declare microphone: string;
  /** deviceId of the audio output the others are heard on; '' is the system's. Browsers without `setSinkId` (Safari) ignore it. */
  declare speaker: string;
  /** Replace any user-visible text, e.g. to translate. Missing keys keep the default. */
  declare strings: Partial<Strings>;
  declare private left: boolean;
  /** Set by shareScreen() and stopScreenShare() only: see screenSharing. */
  declare private sharing: boolean;
  /** Counts shareScreen() and stopScreenShare() calls: a screen picked after a later one is not shared. */
  #shareAsks = 0;
  declare private soundBlocked: boolean;
  /** The last state change, read out by screen readers. */
  declare private announcement: string;

  /** Kept across reconnects, so that calls survive a relay restart; see renewIdentity(). */
  #identity = newIdentity();
  /** The last `speaker` told as not plugged in (see #playOnSpeaker). */
  #speakerTold?: string;
  /** The last ice-servers the browser takes: a call keeps them when a refresh brings bad ones (see callWish). */
  #goodIceServers: RTCIceServer[] = [];
  readonly #media = new MediaController(
    this,
    () => ({ audio: !this.noAudio && this.microphone, video: !this.noVideo && !this.cameraOff && this.camera }),
    // A kind not captured (its device went, or capture failed) is tried again: the chosen device, else any;
    // or a device picked while the first capture was under way is switched to, as any pick.
    (kind, deviceId = '') => void this.#switchDevice(kind, deviceId),
  );
  readonly #call = new RoomController(this, this.#media);
  readonly #speakers = new SpeakingController(this);
  readonly #errors = new Map<P2PErrorCode, string>();
  /** Who else shares a screen, as last drawn: a change is announced. */
  #presenting = new Set<string>();
  readonly #localVideo = createVideo('local-video');
  /** Between a disconnect and the task that tells a move from a removal. */
  #detaching = false;
  /** The toolbar had the focus when this update began (see updated()). */
  #toolbarFocused = false;
  /** One kept `<video>` and `<audio>` per remote peer id (see video.ts). */
  readonly #remoteMedia = new Map<string, { video: HTMLVideoElement; audio: HTMLAudioElement }>();

  constructor() {
    super();
    this.room = '';
    this.server = '';
    this.name = '';
    this.iceServers = [];
    this.iceTransportPolicy = 'all';
    this.maxPeers = DEFAULT_MAX_PEERS;
    this.muted = false;
    this.cameraOff = false;
    this.noAudio = false;
    this.noVideo = false;
    this.noControls = false;
    this.camera = '';
    this.microphone = '';
    this.speaker = '';
    this.strings = {};
    this.left = false;
    this.sharing = false;
    this.soundBlocked = false;
    this.announcement = '';
    this.addEventListener('p2p-peer-joined', ({ detail }) =>
      this.#announce('announceJoined', displayName(detail.name, detail.peer, this.#text.guest)),
    );
    this.addEventListener('p2p-peer-left', ({ detail }) =>
      this.#announce(LEFT_ANNOUNCEMENTS[detail.reason], displayName(detail.name, detail.peer, this.#text.guest)),
    );
  }

  /** Everyone else in the room, as last heard: copies, as a page that wrote to the session's own would change what it does. */
  get peers(): RemotePeer[] {
    return this.#peers.map((peer) => ({ ...peer, status: { ...peer.status } }));
  }

  /** The session's own records, for drawing and announcing (read only). */
  get #peers(): RemotePeer[] {
    return [...(this.#call.session?.peers.values() ?? [])];
  }

  /** My camera/microphone stream, when capturing. */
  get localStream(): MediaStream | null {
    return this.#media.stream;
  }

  /** Cameras, microphones and speakers available (labelled once capture was allowed). */
  get devices(): MediaDeviceInfo[] {
    return this.#media.devices;
  }

  /** The RTCPeerConnection to one peer (e.g. for getStats). */
  connectionTo(peer: string): RTCPeerConnection | undefined {
    return this.#call.session?.connectionTo(peer);
  }

  /** @internal Every live connection by peer id. */
  connections(): [string, RTCPeerConnection][] {
    return this.#call.session?.connections() ?? [];
  }

  /**
   * Sends a screen, window or tab instead of the camera (the browser asks
   * the user which). Resolves false when the user cancels, when the browser
   * cannot capture a screen (`p2p-error` `screen-failed`), or when there is
   * no call (no room yet, or left): then nobody would see it, and nothing
   * would end it when a call starts.
   */
  async shareScreen(): Promise<boolean> {
    const session = this.#call.session;
    if (!this.#call.inCall) return false;
    const ask = ++this.#shareAsks;
    let track: MediaStreamTrack | null;
    try {
      track = await this.#media.startScreenShare(() => void this.stopScreenShare());
    } catch (error) {
      // Not a cancel: a button that does nothing would leave people pressing it again.
      this.reportError('screen-failed', { detail: String(error) });
      return false;
    }
    if (!track) return false;
    this.#errors.delete('screen-failed');
    // Left, or moved to another room, while the browser asked which screen: that call is over.
    // Or stopScreenShare() was called meanwhile (a page's own Cancel, say): the answer comes too late.
    if (ask !== this.#shareAsks || this.#call.session !== session || !this.#call.inCall) {
      this.#media.stopScreenShare();
      return false;
    }
    await this.#call.session?.replaceTrack('video', track);
    this.sharing = true;
    return true;
  }

  /** Back to the camera. */
  async stopScreenShare(): Promise<void> {
    this.#shareAsks++;
    if (!this.screenSharing) return;
    this.#media.stopScreenShare();
    this.sharing = false;
    await this.#call.session?.replaceTrack('video', this.#media.track('video') ?? null);
  }

  /** Leaves the call and stops the camera. The element stays on the page, out of calls until join() or a new room or server. */
  leave(): void {
    this.left = true;
  }

  /** Joins again after leave(), or after the call ended without you (room full, not allowed in, relay address refused). */
  join(): void {
    this.left = false;
    this.#call.retry();
  }

  /**
   * @internal Called by RoomController: what call, if any, should be running.
   * Bad ice-servers (shown as `bad-ice-servers`) start no call, but do not end
   * the one under way: one typo in a page's TURN refresh would hang everyone up.
   */
  callWish(): CallWish | null {
    const server = relayUrl(this.server ?? '');
    const badIceServers = !!iceServersProblem(this.iceServers);
    if (!badIceServers) this.#goodIceServers = this.iceServers as RTCIceServer[];
    if (this.left || !this.room || this.room.length > MAX_ROOM_LENGTH || !server) return null;
    const wish: CallWish = {
      server,
      room: this.room,
      ...this.#identity,
      // What the relay takes: 1 (or nonsense) would only get this join refused in developers' words.
      maxPeers: Math.min(MAX_PEERS, Math.max(MIN_PEERS, Math.trunc(this.maxPeers) || DEFAULT_MAX_PEERS)),
      rtcConfig: { iceServers: this.#goodIceServers, iceTransportPolicy: this.iceTransportPolicy },
    };
    return badIceServers && !this.#call.runs(wish) ? null : wish;
  }

  /**
   * True while my screen is sent instead of my camera. Read-only: writing it
   * would only tell the others I share a screen; shareScreen() asks for one.
   */
  get screenSharing(): boolean {
    return this.sharing;
  }

  /** My id in the room, as the others and the relay know me. */
  get peerId(): string {
    return this.#identity.peerId;
  }

  /**
   * @internal Called by RoomController when the relay says someone else holds my
   * id: once the relay has dropped me (a missed heartbeat, a restart) anyone may
   * join with my public id first. Coming back as a new peer beats staying out.
   */
  renewIdentity(): void {
    this.#identity = newIdentity();
  }

  /** @internal What the others see of me. */
  localStatus(): PeerStatus {
    const status: PeerStatus = { screen: this.screenSharing };
    // Only what is really captured: a denied camera, or one unplugged, shows as off at the others.
    // While capture is still starting, audio and video are left out (unknown),
    // so that the others do not see me as muted while my browser asks me.
    if (this.#media.settled) {
      status.audio = !this.muted && !!this.#media.live('audio');
      status.video = (!this.cameraOff && !!this.#media.live('video')) || this.screenSharing;
    }
    // A long name is shortened, not a reason for the relay to refuse my join;
    // no name is sent as '' (not left out), so that the others forget the old one.
    status.name = fitName(this.name ?? '');
    return status;
  }

  /** @internal Shows a problem in the `error` part and fires `p2p-error`. */
  reportError(code: P2PErrorCode, values: Record<string, string> = {}): void {
    const template = this.#text[code as keyof Strings] ?? this.#text.relayError;
    // The address without its query (a token there is not for the screen, or a screen
    // share), nor the "/" that parsing adds to a bare ws://host:port.
    const server = (values.server ?? this.server).replace(/[?#].*/, '').replace(/^(\w+:\/\/[^/]+)\/$/, '$1');
    const message = format(template, { ...values, server });
    this.#errors.set(code, message);
    emit(this, 'p2p-error', { code, message });
    this.requestUpdate();
  }

  /**
   * @internal Called by RoomController when a call starts or ends: its errors
   * go with it; or with `codes`, when the relay lets me (back) in.
   */
  clearCallErrors(codes?: readonly P2PErrorCode[]): void {
    for (const code of this.#errors.keys())
      if (codes ? codes.includes(code) : !ATTRIBUTE_ERRORS.includes(code)) this.#errors.delete(code);
  }

  get #text(): Strings {
    return { ...DEFAULT_STRINGS, ...this.strings };
  }

  /**
   * Browsers may refuse to play sound before the user has touched the page
   * (the muted videos play regardless). Then offer a button, whose click is
   * the gesture that lets the sound through.
   */
  readonly #playSound = (event: Event): void => {
    (event.target as HTMLAudioElement).play().catch(() => {
      // Said, too: someone who cannot see the button would only hear silence.
      if (!this.soundBlocked) this.#announce('announceSoundBlocked');
      this.soundBlocked = true;
    });
  };

  #enableSound(): void {
    this.soundBlocked = false;
    for (const { audio } of this.#remoteMedia.values()) void audio.play();
  }

  /**
   * The mute and camera buttons. Turning a kind on also captures it again if
   * it is missing (the camera was busy, or blocked by the system, which no
   * browser event reports): that is the button people press to get it back.
   */
  #toggle(kind: MediaKind, off: 'muted' | 'cameraOff'): void {
    if (this[off] || this.#media.missing(kind)) {
      this[off] = false;
      void this.#switchDevice(kind, '', true);
    } else this[off] = true;
  }

  /** Plays the others on the chosen output; one not plugged in is told, as a camera is (the sound stays where it was). */
  async #playOnSpeaker(audios: HTMLAudioElement[]): Promise<void> {
    const speaker = this.speaker;
    const found = await Promise.all(audios.map((audio) => setSink(audio, speaker)));
    // Once per pick (not again for each person who joins), and not for one replaced meanwhile.
    if (found.includes(false) && speaker === this.speaker && speaker !== this.#speakerTold) {
      this.#speakerTold = speaker;
      this.reportError('media-unplugged');
    }
  }

  #announce(key: keyof typeof DEFAULT_STRINGS, name = ''): void {
    const text = format(this.#text[key], { name });
    // The same words again (someone left and is back) must change the live region, or nothing is read out.
    this.announcement = text === this.announcement ? `${text}\u00a0` : text;
  }

  /** Forgets every shown error of one family (`media-`, `peer-`). */
  #clearErrors(prefix: string): void {
    for (const code of this.#errors.keys()) if (code.startsWith(prefix)) this.#errors.delete(code);
  }

  /** Puts my track of one kind on the wire to everyone; while presenting, the camera waits until the share ends. */
  #sender(kind: MediaKind): Send {
    return async (track) => {
      if (kind === 'audio' || !this.screenSharing) await this.#call.session?.replaceTrack(kind, track);
    };
  }

  /**
   * Captures the chosen device ('' = any) and sends it to everyone, without
   * renegotiation. `asked`: someone picked a device or pressed a button, so a
   * failure is told again even if its message is already shown, and read out.
   */
  async #switchDevice(kind: MediaKind, deviceId: string, asked = !!deviceId): Promise<void> {
    const stream = this.#media.stream;
    // Cleared first, so that the same message read out again is a change to the live region.
    if (asked) this.announcement = '';
    const result = await this.#media.switchDevice(kind, deviceId, this.#sender(kind));
    if (result === true) {
      // The message stays while any kind switched on is still missing (it names no kind).
      if (this.#media.complete)
        this.#clearErrors('media-');
      if (this.#media.stream !== stream) emit(this, 'p2p-local-stream', { stream: this.#media.stream });
      emit(this, 'p2p-device-change', { kind, deviceId: this.#media.track(kind)!.getSettings().deviceId! });
      // What people asked for always gets its answer; a retry of the page's own only says what is new.
    } else if (result && (asked || !this.#errors.has(result))) {
      this.reportError(result);
      if (asked) this.announcement = this.#errors.get(result)!;
    }
    this.requestUpdate();
  }

  /**
   * A move on the page (out and back in within one task, as a layout change
   * or `moveBefore` does, or a framework that puts it back in a microtask)
   * keeps the call: the controllers' teardown waits for the next task and is
   * skipped if the element is back by then. Otherwise the others would see me
   * leave and come back, and my camera would restart.
   */
  override connectedCallback(): void {
    if (this.#detaching) this.#detaching = false;
    else super.connectedCallback();
  }

  override disconnectedCallback(): void {
    this.#detaching = true;
    setTimeout(() => {
      if (!this.#detaching) return;
      this.#detaching = false;
      super.disconnectedCallback();
    });
  }

  /** Drawing waits (at most 100 ms) while an offer or answer is applied: see RoomController.drawable. */
  protected override async scheduleUpdate(): Promise<void> {
    await this.#call.drawable();
    super.scheduleUpdate();
  }

  /** The kept `<video>` and `<audio>` of one remote peer, playing their current stream. */
  #remotePlayers(peer: RemotePeer) {
    let media = this.#remoteMedia.get(peer.id);
    if (!media) {
      media = { video: createVideo('remote-video'), audio: document.createElement('audio') };
      media.video.dataset.peer = peer.id;
      media.audio.addEventListener('loadedmetadata', this.#playSound);
      media.audio.addEventListener('pause', (event) => pausedByBrowser(event.target as HTMLAudioElement) && this.#playSound(event));
      // Only for a chosen output: setSinkId goes to the audio service, and this is inside the handshake.
      if (this.speaker) void this.#playOnSpeaker([media.audio]);
      this.#remoteMedia.set(peer.id, media);
    }
    const stream = peer.stream ?? null;
    return [showStream(media.video, stream, !!peer.status.screen), setStream(media.audio, stream)];
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.#toolbarFocused = !!this.shadowRoot?.activeElement?.closest('[part~=controls]');
    // Someone who left takes their video and audio along; if they come back, they get fresh ones.
    for (const id of this.#remoteMedia.keys()) if (!this.#call.session?.peers.has(id)) this.#remoteMedia.delete(id);
    // Blocked sound belongs to the people who would make it: with none left, nothing to turn on.
    if (!this.#remoteMedia.size) this.soundBlocked = false;
    // A new room or server after leave() is a new call to join; leave() in the same task wins.
    // (`left` is private, so not a key of PropertyValues<this>: read it through the plain Map.)
    const leftNow = (changed as Map<PropertyKey, unknown>).has('left');
    if ((changed.has('room') || changed.has('server')) && !leftNow) this.left = false;
    // Here, not in updated(): set there, the announcement would cost a second update.
    const flipped = flippedSwitch(changed);
    if (flipped) this.#announce(SWITCH_ANNOUNCEMENTS[flipped][+this[flipped]]);
    // Someone else's screen, shared or no longer: seen on the grid, and said.
    const peers = this.#peers;
    for (const { id, name, status } of peers)
      if (!!status.screen !== this.#presenting.has(id))
        this.#announce(status.screen ? 'announcePresenting' : 'announceStoppedPresenting', displayName(name, id, this.#text.guest));
    this.#presenting = new Set(peers.filter(({ status }) => status.screen).map(({ id }) => id));
    // A connection given up on (reported as `peer-${reason}`, and `turn-failed` with it) is news only while that person is still in the room.
    if (!this.#call.session?.unreachable.size) for (const prefix of ['peer-', 'turn-']) this.#clearErrors(prefix);
    // A bad value's error goes with it, and the new value's comes.
    for (const [key, code, problem] of this.#valueChecks)
      if (changed.has(key)) {
        this.#errors.delete(code);
        const values = problem();
        if (values) this.reportError(code, values);
      }
  }

  /** Attributes a page can get wrong, the error each gives, and what its message needs (or nothing: no problem). */
  readonly #valueChecks = [
    ['iceServers', 'bad-ice-servers', () => { const detail = iceServersProblem(this.iceServers); return detail && { detail }; }],
    ['server', 'bad-server', () => this.server && !relayUrl(this.server) && {}],
    // The relay would refuse it (bad-message), in words meant for developers.
    ['room', 'bad-room', () => (this.room ?? '').length > MAX_ROOM_LENGTH && { max: String(MAX_ROOM_LENGTH) }],
  ] as const;

  protected override updated(changed: PropertyValues<this>): void {
    // Leave and Join again replace each other, and a button that goes takes the
    // focus along to <body>: a keyboard user would start over from the page's top.
    // So does one that is disabled (no-audio set while the mute button has the focus), once this update is done.
    const focused = this.shadowRoot!.activeElement;
    if (this.#toolbarFocused && (!focused || focused.matches(':disabled')))
      this.shadowRoot!.querySelector<HTMLElement>('[part~=controls] :enabled')?.focus();
    // Every update, not only when the switches change: a stream that arrives
    // after `muted` was set must not start with a live microphone.
    this.#media.setEnabled('audio', !this.muted);
    this.#media.setEnabled('video', !this.cameraOff);
    // What I send changed: a page's no-audio or no-video switches a kind off as surely as the buttons do.
    if (flippedSwitch(changed) || changed.get('noAudio') !== undefined || changed.get('noVideo') !== undefined)
      emit(this, 'p2p-media-change', {
        audio: !this.muted && !this.noAudio,
        video: !this.cameraOff && !this.noVideo,
        screen: this.screenSharing,
      });
    for (const kind of ['audio', 'video'] as const) {
      const property = DEVICE_PROPERTY[kind];
      if (changed.get(property) !== undefined) void this.#switchDevice(kind, this[property]);
    }
    // A kind switched off lets its device go (the camera's light too); switched on, it is captured again.
    for (const [kind, switches] of KIND_SWITCHES)
      if (switches.some((key) => changed.get(key) !== undefined))
        void (this.#media.on(kind) ? this.#switchDevice(kind, '') : this.#media.release(kind, this.#sender(kind)));
    if (changed.get('speaker') !== undefined) void this.#playOnSpeaker([...this.#remoteMedia.values()].map(({ audio }) => audio));
  }

  override render(): TemplateResult {
    const peers = this.#peers;
    const t = this.#text;
    const self = this.#speakers.speaking.has(this.peerId) ? ' speaking' : '';
    const status = this.#statusText(peers.length);
    // A call under way goes on without the relay: the status line says so, calmly, instead of an alert.
    const inCallWithoutRelay = peers.length > 0 && this.#relayLost;
    const errors = [...this.#errors].filter(([code]) => code !== 'relay-unreachable' || !inCallWithoutRelay).map(([, m]) => m);
    return html`<div class="call">
      <div part="stage" class="stage">
        <div part="grid" class="grid">
          ${peers.map((p) => this.#renderTile(p))}
          <!-- Alone, it fills the grid; with one other, it floats in a corner (pip);
               with more, it is the grid's last tile, so that it covers nobody. -->
          <figure part="tile local-tile${self}${!this.#media.screen && !this.#media.live('video') ? ' camera-off' : ''}" class=${peers.length === 1 ? 'pip' : ''}>
            ${showStream(this.#localVideo, this.#media.screen ?? this.#media.preview, this.screenSharing)}
            <figcaption part="name"><span>${fitName(this.name ?? '') || t.you}</span>${this.#offIndicators(this.localStatus())}</figcaption>
          </figure>
        </div>
      </div>
      <p part="status" role="status" aria-live="polite">${status}</p>
      <!-- Both are read out: what the status already says is not said twice. -->
      <p id="announcer" class="visually-hidden" aria-live="polite">${this.announcement === status ? '' : this.announcement}</p>
      ${errors.length ? html`<div part="error" role="alert">${errors.map((m) => html`<div>${m}</div>`)}</div>` : nothing}
      ${this.noControls ? nothing : this.#renderControls()}
    </div>`;
  }

  #renderTile(peer: RemotePeer) {
    const t = this.#text;
    const speaking = this.#speakers.speaking.has(peer.id);
    const { video, screen } = peer.status;
    // Lost and being repaired (ICE restart): the picture is frozen, so say why.
    const repairing = peer.wasConnected && (peer.connectionState === 'disconnected' || peer.connectionState === 'failed');
    const connecting = !peer.wasConnected && peer.connectionState !== 'connected';
    // Parts, not attributes, so that a page can style these states: `::part()` takes no attribute selector.
    const states = { speaking, presenting: screen, 'camera-off': video === false, connecting, reconnecting: repairing };
    const parts = ['tile', ...Object.entries(states).flatMap(([state, on]) => (on ? [state] : []))].join(' ');
    return html`
      <figure part=${parts} data-peer=${peer.id} data-state=${peer.connectionState}>
        ${this.#remotePlayers(peer)}
        <figcaption part="name">
          <span>${displayName(peer.name, peer.id, t.guest)}</span>
          ${this.#offIndicators(peer.status)}
          ${screen ? html`<span>${t.presenting}</span>` : nothing}
          ${repairing ? html`<span>${t.peerReconnecting}</span>` : nothing}
          ${speaking ? html`<span class="visually-hidden">${t.speaking}</span>` : nothing}
        </figcaption>
      </figure>
    `;
  }

  /** A tile's struck-through microphone and camera, for what its person has off (as the others see it). */
  #offIndicators({ audio, video }: PeerStatus) {
    const t = this.#text;
    return [
      audio === false ? offIndicator('muted-indicator', t.mutedIndicator, MICROPHONE) : nothing,
      video === false ? offIndicator('camera-off-indicator', t.cameraOffIndicator, CAMERA) : nothing,
    ];
  }

  #renderControls() {
    const t = this.#text;
    const { muted, cameraOff, screenSharing } = this;
    // A microphone or camera that could not be started shows as off: its button is the way to try again.
    const silent = muted || this.#media.missing('audio');
    const dark = cameraOff || this.#media.missing('video');
    // Before a call (no room yet, say) there is nothing to leave or to share a screen with.
    const calling = this.#call.inCall;
    const canShare = calling && navigator.mediaDevices && 'getDisplayMedia' in navigator.mediaDevices;
    const controls = this.left || this.#call.session?.closed
      ? button('join-button', t.joinAgain, this.join)
      : [
          button('mute-button', silent ? t.unmute : t.mute, () => this.#toggle('audio', 'muted'), silent, this.noAudio),
          button('camera-button', dark ? t.cameraOn : t.cameraOff, () => this.#toggle('video', 'cameraOff'), dark, this.noVideo),
          canShare
            ? button('screen-button', screenSharing ? t.stopSharing : t.shareScreen, () => (this.screenSharing ? this.stopScreenShare() : this.shareScreen()), screenSharing)
            : nothing,
          this.#renderDeviceSelect('video'),
          this.#renderDeviceSelect('audio'),
          'setSinkId' in HTMLMediaElement.prototype
            ? picker('speaker', t.speaker, this.#media.devicesOf('audiooutput'), this.speaker || 'default', '', false, (id) => (this.speaker = id))
            : nothing,
          this.soundBlocked ? button('sound-button', t.enableSound, this.#enableSound) : nothing,
          calling ? button('leave-button', t.leave, this.leave) : nothing,
        ];
    // A named group, not a toolbar: a toolbar promises arrow keys between its buttons; these are Tab stops.
    return html`<div part="controls" role="group" aria-label=${t.controls}>${controls}</div>`;
  }

  /**
   * The picker of a capture device; it names none while none of its kind runs.
   * Disabled, as its button, for a kind the page said never to capture (no-audio, no-video).
   */
  #renderDeviceSelect(kind: MediaKind) {
    const property = DEVICE_PROPERTY[kind];
    const current = this.#media.live(kind)?.getSettings().deviceId;
    const devices = this.#media.devicesOf(`${kind}input`);
    const never = kind === 'audio' ? this.noAudio : this.noVideo;
    return picker(property, this.#text[property], devices, current, this.#text[OFF_LABEL[kind]], never, (id) => {
      // Picking the device already asked for (which failed to start) is no property change: try it again.
      if (this[property] === id) void this.#switchDevice(kind, id);
      else this[property] = id;
    });
  }

  /** The relay connection is lost, once it let me in. */
  get #relayLost(): boolean {
    return this.#call.joined && this.#call.signalingState === 'reconnecting';
  }

  #statusText(count: number): string {
    const t = this.#text;
    if (this.left) return t.left;
    // With a server but no room, the page is still to put me in one (say, on a click): tell
    // people where they are, not developers which attribute is missing.
    if (!this.callWish()) return this.server ? t.notInCall : t.idle;
    if (this.#call.session?.waitingForPlace) return t.placeTaken;
    // Lost, that is, once it was in: a relay never reached is still being connected to.
    if (this.#relayLost) return count ? t.reconnectingInCall : t.reconnecting;
    if (this.#call.session?.closed) return t.notInCall;
    if (!this.#call.joined) return t.connecting;
    if (!count) {
      // Alone on screen is not alone in the room when a connection was given up on.
      const unreachable = [...(this.#call.session?.unreachable.values() ?? [])].map((p) => displayName(p.name, p.id, t.guest));
      return unreachable.length ? format(t.cannotConnect, { name: unreachable.join(', ') }) : format(t.waiting, { room: this.room });
    }
    return format(t.inCall, { count, people: peopleWord(t, count, langOf(this)) });
  }
}
