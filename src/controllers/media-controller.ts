import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MediaKind } from '../negotiation/peer-negotiator.js';

export type MediaErrorCode =
  | 'media-denied'
  | 'media-blocked'
  | 'media-missing'
  | 'media-unplugged'
  | 'media-busy'
  | 'media-insecure'
  | 'media-failed'
  | 'media-lost';

const KINDS = ['audio', 'video'] as const;

/**
 * What the host asks of each kind now: a deviceId ('' = any device), or
 * `false` while it is switched off (camera off, no-video), when it is not
 * captured at all.
 */
export type DeviceWishes = Record<MediaKind, string | false>;

/** Puts a new track on the wire, or takes one off (null), without renegotiating. */
export type Send = (track: MediaStreamTrack | null) => Promise<void>;

/**
 * Always `exact`: Chromium ignores a preferred (ideal) deviceId and opens the
 * default device (crbug.com/438606278, won't fix). A preferred device that is
 * not plugged in falls back to the browser's pick in #open instead.
 */
function constraint(wanted: boolean, deviceId?: string | false): boolean | MediaTrackConstraints {
  return wanted && deviceId ? { deviceId: { exact: deviceId } } : wanted;
}

/**
 * An <iframe> without `allow="camera; microphone"` fails capture with the
 * same NotAllowedError as a user's "no", but no one can allow it in the
 * browser: the page must change. Chromium can tell (featurePolicy); elsewhere
 * it reads as denied.
 */
function blockedByPage(): boolean {
  const policy = (document as { featurePolicy?: { allowsFeature(feature: string): boolean } }).featurePolicy;
  return !!policy && !(policy.allowsFeature('camera') && policy.allowsFeature('microphone'));
}

/** Why capture failed, sorted into what a user can act on. */
function classify(error: unknown): MediaErrorCode {
  const name = (error as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return blockedByPage() ? 'media-blocked' : 'media-denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'media-missing';
  if (name === 'NotReadableError' || name === 'AbortError') return 'media-busy';
  return 'media-failed';
}

let permissions: Promise<(PermissionStatus | undefined)[]> | undefined;

/**
 * The camera and microphone permissions, asked once for the page: Chromium
 * keeps every PermissionStatus it hands out for as long as the page lives,
 * so asking at each connect would pile them up as an element comes and goes.
 */
function devicePermissions(): Promise<(PermissionStatus | undefined)[]> {
  permissions ??= Promise.all(
    (['camera', 'microphone'] as PermissionName[]).map(
      (name) => navigator.permissions?.query({ name }).catch(() => undefined), // one this browser cannot be asked about
    ),
  );
  return permissions;
}

/**
 * The local camera and microphone. Capture starts when the call needs it and
 * stops when the host leaves the page, so the camera light never stays on
 * behind a removed element.
 */
export class MediaController implements ReactiveController {
  stream: MediaStream | null = null;
  /**
   * What the self view shows: the camera alone. A muted `<video>` still plays
   * its stream's audio, at volume 0: given the whole local stream it opens an
   * audio output and renders my microphone into it, CPU spent for nothing.
   */
  preview: MediaStream | null = null;
  /** The screen being shared, if any; it is sent instead of the camera. */
  screen: MediaStream | null = null;
  /** Cameras, microphones and speakers (labels only once capture was allowed). */
  devices: MediaDeviceInfo[] = [];
  error?: { code: MediaErrorCode; detail: string };
  /**
   * Whether the capture of the current call has come to an end, with a stream
   * or an error. Until then (the camera starting, or the browser's permission
   * prompt waiting for an answer) nobody knows yet what I will send.
   */
  settled = false;
  #pending?: Promise<MediaStream | null>;
  /** The share's `onEnded` (see startScreenShare), until the share ends. */
  #screenEnded?: () => void;
  /** The last device switch or release of each kind (see #queue). */
  readonly #switching: Record<MediaKind, Promise<unknown>> = { audio: Promise.resolve(), video: Promise.resolve() };
  /** Kinds whose device is being opened in this call: not missing, so that their button can cancel (see missing). */
  readonly #opening = new Set<MediaKind>();
  /**
   * A device picked in this call while its kind was off, until one of that
   * kind opens. While it is still the one asked for, the kind turned on (or
   * tried again) opens it exactly: a pick is that device or an error, not
   * the browser's pick, as is the page's saved choice when a call starts.
   */
  readonly #picked: Partial<Record<MediaKind, string>> = {};

  readonly #host: ReactiveControllerHost;
  /** The devices the host asks for, and which kinds it has switched off; read at each capture. */
  readonly #wishes: () => DeviceWishes;
  /**
   * Asks the host to capture one kind again (see switchDevice with ''): when
   * its device went, when asking for both kinds at once failed, when a device
   * is plugged in, when permission is granted. A kind that is live or
   * switched off is left alone, so the host may ask at any of these moments.
   * With a deviceId: switch to that device, picked while the first capture
   * was under way.
   */
  readonly #retry: (kind: MediaKind, deviceId?: string) => void;
  /** Ends the permission watch (see hostConnected). */
  #unwatch?: AbortController;

  constructor(host: ReactiveControllerHost, wishes: () => DeviceWishes, retry: (kind: MediaKind, deviceId?: string) => void) {
    this.#host = host;
    this.#wishes = wishes;
    this.#retry = retry;
    host.addController(this);
  }

  /**
   * Our own tracks are stopped, which fires no `ended`; so `ended` means the
   * device went (unplugged, a Bluetooth headset dropped, the system took it).
   */
  #watch(track: MediaStreamTrack): void {
    track.addEventListener(
      'ended',
      () => {
        this.#host.requestUpdate(); // The others now see that kind as off.
        this.#retry(track.kind as MediaKind);
      },
      { once: true },
    );
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.#refreshDevices);
    // Someone who said no, then allows the camera in the browser, is seen at once, not after a reload.
    const { signal } = (this.#unwatch = new AbortController());
    void devicePermissions().then((statuses) => {
      for (const status of statuses) status?.addEventListener('change', this.#refreshDevices, { signal });
    });
  }

  /** Switched on, but not being captured (denied, missing, busy or gone), once capture has settled; not while its device opens. */
  missing(kind: MediaKind): boolean {
    return this.settled && this.on(kind) && !this.live(kind) && !this.#opening.has(kind);
  }

  /** Not switched off by the host (see DeviceWishes). */
  on(kind: MediaKind): boolean {
    return this.#wishes()[kind] !== false;
  }

  /** Every kind switched on is being captured (one still opening is not). */
  get complete(): boolean {
    return KINDS.every((kind) => !this.on(kind) || !!this.live(kind));
  }

  /**
   * The local stream of the kinds switched on; the current one if there is
   * one (a new room keeps the camera). Never rejects: a failure is kept in
   * `error` and the call goes on receive-only, since seeing the others is
   * still worth something. A kind switched on or off later is captured or
   * let go on its own (switchDevice, release).
   */
  acquire(): Promise<MediaStream | null> {
    // Settled, the stream is what runs now: a kind captured on its own after the
    // first capture failed is in it, not in that capture's result.
    if (this.#pending) return this.settled ? Promise.resolve(this.stream) : this.#pending;
    const pending = (this.#pending = this.#capture().then((stream) => {
      if (this.#pending !== pending) {
        stream?.getTracks().forEach((t) => t.stop()); // Superseded while waiting for the user.
        return null;
      }
      // The switches may have moved while the browser was asked (its permission prompt
      // open, a slow camera). Nobody has this stream yet: a kind switched off since is
      // let go unsent; one switched on since, or picked from another device, follows.
      for (const track of stream?.getTracks() ?? [])
        if (!this.on(track.kind as MediaKind)) {
          stream!.removeTrack(track);
          track.stop();
        }
      this.stream = stream;
      stream?.getTracks().forEach((t) => this.#watch(t));
      this.settled = true;
      const video = stream?.getVideoTracks() ?? [];
      this.preview = video.length ? new MediaStream(video) : null;
      this.#host.requestUpdate();
      for (const kind of KINDS) {
        const wish = this.#wishes()[kind];
        const device = this.live(kind)?.getSettings().deviceId;
        if (wish && device && device !== wish) this.#retry(kind, wish);
        // Asked together, one missing or busy device fails both: each is tried alone,
        // so a headset with no camera is still heard. A "no" would only be said again.
        else if (this.missing(kind) && this.error?.code !== 'media-denied') this.#retry(kind);
      }
      return stream;
    }));
    return pending;
  }

  /** My captured track of one kind, if any (the stream holds at most one of each). */
  track(kind: MediaKind): MediaStreamTrack | undefined {
    return this.stream?.getTracks().find((t) => t.kind === kind);
  }

  /** That track while it runs: not one whose device went (an ended track stays in the stream until replaced). */
  live(kind: MediaKind): MediaStreamTrack | undefined {
    const track = this.track(kind);
    return track?.readyState === 'live' ? track : undefined;
  }

  /** Turns sending of one kind on or off without renegotiating or letting the device go (mute: unmuting is instant). */
  setEnabled(kind: MediaKind, enabled: boolean): void {
    const track = this.track(kind);
    if (track) track.enabled = enabled;
  }

  /**
   * Captures another device for one kind and swaps it into the local stream.
   * `send` puts the new track on the wire before the old one is stopped, so
   * the others never see a frozen frame while the encoder loses its source.
   * `deviceId` '' captures the host's preferred device, or else whichever the
   * browser picks, for a kind that is switched on but not live (its device
   * went, or its capture failed). Resolves true once switched, false when
   * there was nothing to do, or why capture failed.
   */
  switchDevice(kind: MediaKind, deviceId: string, send: Send): Promise<boolean | MediaErrorCode> {
    return this.#queue(kind, () => this.#switch(kind, deviceId, send));
  }

  /**
   * Lets the device of one kind go, once it is switched off (camera off):
   * Chrome keeps a camera, and its light, on for a track that is only
   * disabled. `send(null)` takes it off the wire first. Turning the kind on
   * again is a switchDevice with ''.
   */
  release(kind: MediaKind, send: Send): Promise<void> {
    return this.#queue(kind, async () => {
      const track = this.track(kind);
      if (!track || this.on(kind)) return; // Switched on again while an earlier switch ran.
      await send(null);
      for (const shown of [this.stream, this.preview]) shown?.removeTrack(track);
      track.stop();
      this.#host.requestUpdate();
    });
  }

  /**
   * Runs the switches of one kind one after another, so two never both add a
   * track, and a release waits for a camera still opening. Each runs whatever
   * became of the one before: one that threw must not stop every later one.
   */
  #queue<T>(kind: MediaKind, job: () => Promise<T>): Promise<T> {
    const next = this.#switching[kind].then(job, job);
    this.#switching[kind] = next;
    return next;
  }

  async #switch(kind: MediaKind, deviceId: string, send: Send): Promise<boolean | MediaErrorCode> {
    const pending = this.#pending;
    const old = this.track(kind);
    const live = old?.readyState === 'live'; // As live(kind), but on `old`, which TypeScript then knows is there.
    if (deviceId && pending && !this.on(kind)) this.#picked[kind] = deviceId;
    // Nothing to do unless the kind is missing, or a live one is to move to another device.
    const moving = live && !!deviceId && old.getSettings().deviceId !== deviceId;
    if (!this.missing(kind) && !moving) return false;
    const pick = this.#picked[kind];
    const picked = deviceId || (pick && pick === this.#wishes()[kind] ? pick : '');
    let captured: MediaStream;
    this.#opening.add(kind);
    this.#host.requestUpdate();
    try {
      captured = await this.#open(kind, picked);
    } catch (error) {
      const code = classify(error);
      if (code !== 'media-missing') return code;
      // A device picked is not there (the one before, if any, goes on); or none at all is.
      return picked ? 'media-unplugged' : old ? 'media-lost' : code;
    } finally {
      if (this.#pending === pending) this.#opening.delete(kind); // (stop() forgot it already)
    }
    const track = captured.getTracks()[0];
    // Off until the host's next update says otherwise: a new microphone must not be heard while muted.
    track.enabled = old?.enabled ?? false;
    const ended = (): boolean => {
      if (this.#pending === pending && this.on(kind)) return false;
      // The call ended, or the kind was switched off, while the device opened or the track was being sent.
      track.stop();
      return true;
    };
    if (ended()) return false;
    try {
      await send(track);
    } catch {
      track.stop(); // Not on the wire, so not kept: its camera light would stay on.
      return 'media-failed';
    }
    if (ended()) return false;
    const stream = (this.stream ??= new MediaStream());
    for (const shown of kind === 'video' ? [stream, (this.preview ??= new MediaStream())] : [stream]) {
      if (old) shown.removeTrack(old);
      shown.addTrack(track);
    }
    old?.stop();
    this.#watch(track);
    delete this.#picked[kind];
    void this.#refreshDevices(); // Labels, if this is the first capture allowed.
    return true;
  }

  /**
   * One kind from `deviceId`; '' means the host's preferred device if it is
   * plugged in, else the browser's pick: a camera unplugged since the page
   * saved its choice is no reason to be unseen.
   */
  #open(kind: MediaKind, deviceId: string): Promise<MediaStream> {
    const gum = (id?: string) => navigator.mediaDevices.getUserMedia({ [kind]: constraint(true, id) });
    const preferred = this.#wishes()[kind];
    if (deviceId || !preferred) return gum(deviceId);
    return gum(preferred).catch((error) => {
      if (classify(error) === 'media-missing') return gum();
      throw error;
    });
  }

  /**
   * Asks for a screen, window or tab; resolves null when the user cancels,
   * rejects when the browser cannot capture one.
   * `onEnded` is called when the share ends other than by stopScreenShare():
   * by the browser's own "Stop sharing" button, or with the call (stop()).
   */
  async startScreenShare(onEnded: () => void): Promise<MediaStreamTrack | null> {
    let display: MediaStream;
    try {
      display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      // The user cancelled the picker (or a policy said no): nothing went wrong. Anything
      // else (no screen to capture, the system's capture failed) rejects, to be told.
      if ((error as Error).name === 'NotAllowedError') return null;
      throw error;
    }
    this.stopScreenShare();
    this.screen = display;
    this.#screenEnded = onEnded;
    const track = display.getVideoTracks()[0];
    track.addEventListener('ended', onEnded, { once: true });
    this.#host.requestUpdate();
    return track;
  }

  stopScreenShare(): void {
    this.screen?.getTracks().forEach((t) => t.stop());
    this.screen = null;
    this.#screenEnded = undefined;
    this.#host.requestUpdate();
  }

  /**
   * Ends a share as its call ends. A track stopped by the page fires no
   * `ended`: so the share's onEnded is called here, or the host would still
   * think it shares once it is in a call again.
   */
  endScreenShare(): void {
    const screenEnded = this.#screenEnded;
    this.stopScreenShare();
    screenEnded?.();
  }

  stop(): void {
    this.endScreenShare();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.preview = null;
    this.#pending = undefined;
    this.error = undefined;
    this.settled = false;
    for (const kind of KINDS) delete this.#picked[kind];
    this.#opening.clear(); // A switch of that call still opening is no longer this call's.
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.#refreshDevices);
    this.#unwatch?.abort();
    this.stop();
  }

  readonly #refreshDevices = async (): Promise<void> => {
    this.devices = await navigator.mediaDevices.enumerateDevices();
    this.#host.requestUpdate();
    // A device plugged in, or a permission granted, may bring back a kind that is missing.
    for (const kind of KINDS) if (this.devicesOf(`${kind}input`).length) this.#retry(kind);
  };

  /** The devices of one kind: `videoinput`, `audioinput` or `audiooutput`. */
  devicesOf(kind: MediaDeviceKind): MediaDeviceInfo[] {
    return this.devices.filter((d) => d.kind === kind);
  }

  /** The kinds switched on (see on), captured together. */
  async #capture(): Promise<MediaStream | null> {
    this.error = undefined;
    const audio = this.on('audio');
    const video = this.on('video');
    if (!audio && !video) return null;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.error = { code: 'media-insecure', detail: 'navigator.mediaDevices is unavailable' };
      return null;
    }
    try {
      const preferred = this.#wishes();
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: constraint(audio, preferred.audio),
        video: constraint(video, preferred.video),
      });
      void this.#refreshDevices(); // Labels are only readable once capture is allowed.
      return stream;
    } catch (error) {
      // A preferred device that is not plugged in is no error to show: each
      // kind is tried again alone (see acquire), falling back to the browser's pick.
      if ((error as Error).name !== 'OverconstrainedError') this.error = { code: classify(error), detail: String(error) };
      this.#host.requestUpdate();
      return null;
    }
  }
}
