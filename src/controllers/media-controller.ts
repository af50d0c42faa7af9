import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MediaKind } from '../negotiation/peer-negotiator.js';

export type MediaErrorCode = 'media-denied' | 'media-missing' | 'media-busy' | 'media-insecure' | 'media-failed' | 'media-lost';

export interface MediaWanted {
  audio: boolean;
  video: boolean;
}


/** Which capture device a kind is asked of (a deviceId), if any. */
export type PreferredDevices = Partial<Record<MediaKind, string>>;

function constraint(wanted: boolean, deviceId: string | undefined): boolean | MediaTrackConstraints {
  return wanted && deviceId ? { deviceId: { exact: deviceId } } : wanted;
}

/** Why capture failed, sorted into what a user can act on. */
function classify(error: unknown): MediaErrorCode {
  const name = (error as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'media-denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'media-missing';
  if (name === 'NotReadableError' || name === 'AbortError') return 'media-busy';
  return 'media-failed';
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
  /** Cameras and microphones (labels only once capture was allowed). */
  devices: MediaDeviceInfo[] = [];
  error?: { code: MediaErrorCode; detail: string };
  /**
   * Whether the capture of the current call has come to an end, with a stream
   * or an error. Until then (the camera starting, or the browser's permission
   * prompt waiting for an answer) nobody knows yet what I will send.
   */
  settled = false;
  #wanted = '';
  #pending?: Promise<MediaStream | null>;
  /** The share's `onEnded` (see startScreenShare), until the share ends. */
  #screenEnded?: () => void;
  /** The last device switch of each kind: switches run one after another, so two never both add a track. */
  readonly #switching: Record<MediaKind, Promise<unknown>> = { audio: Promise.resolve(), video: Promise.resolve() };

  readonly #host: ReactiveControllerHost;
  /** The devices the host asks for, read at each capture. */
  readonly #preferred: () => PreferredDevices;
  /** Called when a kind's device went away, and again when a device of that kind appears. */
  readonly #onLost: (kind: MediaKind) => void;

  constructor(host: ReactiveControllerHost, preferred: () => PreferredDevices, onLost: (kind: MediaKind) => void) {
    this.#host = host;
    this.#preferred = preferred;
    this.#onLost = onLost;
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
        this.#onLost(track.kind as MediaKind);
      },
      { once: true },
    );
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener('devicechange', this.#refreshDevices);
  }

  /**
   * The local stream for these wishes; reuses the current one when the wishes
   * did not change. Never rejects: a failure is kept in `error` and the call
   * goes on receive-only, since seeing the others is still worth something.
   */
  acquire(wanted: MediaWanted): Promise<MediaStream | null> {
    const key = `${wanted.audio}/${wanted.video}`;
    if (this.#pending && key === this.#wanted) return this.#pending;
    this.stop();
    this.#wanted = key;
    const pending = (this.#pending = this.#capture(wanted).then((stream) => {
      if (this.#pending !== pending) {
        stream?.getTracks().forEach((t) => t.stop()); // Superseded while waiting for the user.
        return null;
      }
      this.stream = stream;
      stream?.getTracks().forEach((t) => this.#watch(t));
      this.settled = true;
      const video = stream?.getVideoTracks() ?? [];
      this.preview = video.length ? new MediaStream(video) : null;
      this.#host.requestUpdate();
      return stream;
    }));
    return pending;
  }

  /** My captured track of one kind, if any (the stream holds at most one of each). */
  track(kind: MediaKind): MediaStreamTrack | undefined {
    return this.stream?.getTracks().find((t) => t.kind === kind);
  }

  /** Turns sending of one kind on or off without renegotiating (mute, camera off). */
  setEnabled(kind: MediaKind, enabled: boolean): void {
    const track = this.track(kind);
    if (track) track.enabled = enabled;
  }

  /**
   * Captures another device for one kind and swaps it into the local stream.
   * `send` puts the new track on the wire before the old one is stopped, so
   * the others never see a frozen frame while the encoder loses its source.
   * `deviceId` '' replaces a device that went away by whichever the browser
   * picks. Resolves true once switched, false when there was nothing to do,
   * or why capture failed.
   */
  switchDevice(
    kind: MediaKind,
    deviceId: string,
    send: (track: MediaStreamTrack) => Promise<void>,
  ): Promise<boolean | MediaErrorCode> {
    const next = this.#switching[kind].then(() => this.#switch(kind, deviceId, send));
    this.#switching[kind] = next;
    return next;
  }

  async #switch(
    kind: MediaKind,
    deviceId: string,
    send: (track: MediaStreamTrack) => Promise<void>,
  ): Promise<boolean | MediaErrorCode> {
    const stream = this.stream;
    const old = this.track(kind);
    const live = old?.readyState === 'live';
    if (!stream || !old || (live && (!deviceId || old.getSettings().deviceId === deviceId))) return false;
    let captured: MediaStream;
    try {
      captured = await navigator.mediaDevices.getUserMedia({ [kind]: constraint(true, deviceId || undefined) });
    } catch (error) {
      return live ? classify(error) : 'media-lost';
    }
    const track = captured.getTracks()[0];
    track.enabled = old.enabled;
    if (this.stream !== stream) {
      track.stop(); // The call ended while the device was opening.
      return false;
    }
    await send(track);
    for (const shown of kind === 'video' ? [stream, this.preview] : [stream]) {
      shown?.removeTrack(old);
      shown?.addTrack(track);
    }
    old.stop();
    this.#watch(track);
    this.#host.requestUpdate();
    return true;
  }

  /**
   * Asks for a screen, window or tab; resolves null when the user cancels.
   * `onEnded` is called when the share ends other than by stopScreenShare():
   * by the browser's own "Stop sharing" button, or with the call (stop()).
   */
  async startScreenShare(onEnded: () => void): Promise<MediaStreamTrack | null> {
    try {
      const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      this.stopScreenShare();
      this.screen = display;
      this.#screenEnded = onEnded;
      const track = display.getVideoTracks()[0];
      track.addEventListener('ended', onEnded, { once: true });
      this.#host.requestUpdate();
      return track;
    } catch {
      return null;
    }
  }

  stopScreenShare(): void {
    this.screen?.getTracks().forEach((t) => t.stop());
    this.screen = null;
    this.#screenEnded = undefined;
    this.#host.requestUpdate();
  }

  stop(): void {
    // A track stopped by the page fires no `ended`: say so here, or the host
    // would still think it shares once it is back in a call.
    const screenEnded = this.#screenEnded;
    this.stopScreenShare();
    screenEnded?.();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.preview = null;
    this.#pending = undefined;
    this.#wanted = '';
    this.error = undefined;
    this.settled = false;
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.#refreshDevices);
    this.stop();
  }

  readonly #refreshDevices = async (): Promise<void> => {
    const all = await navigator.mediaDevices.enumerateDevices();
    this.devices = all.filter((d) => d.kind !== 'audiooutput'); // cameras and microphones, not speakers
    this.#host.requestUpdate();
    // A device plugged in may bring back a kind whose device went.
    for (const kind of ['audio', 'video'] as const)
      if (this.track(kind)?.readyState === 'ended' && this.devicesOf(kind).length) this.#onLost(kind);
  };

  /** The capture devices of one kind. */
  devicesOf(kind: MediaKind): MediaDeviceInfo[] {
    return this.devices.filter((d) => d.kind === `${kind}input`);
  }

  async #capture({ audio, video }: MediaWanted): Promise<MediaStream | null> {
    this.error = undefined;
    if (!audio && !video) return null;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.error = { code: 'media-insecure', detail: 'navigator.mediaDevices is unavailable' };
      return null;
    }
    try {
      const preferred = this.#preferred();
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: constraint(audio, preferred.audio),
        video: constraint(video, preferred.video),
      });
      void this.#refreshDevices(); // Labels are only readable once capture is allowed.
      return stream;
    } catch (error) {
      this.error = { code: classify(error), detail: String(error) };
      this.#host.requestUpdate();
      return null;
    }
  }
}
