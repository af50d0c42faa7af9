import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type MediaErrorCode = 'media-denied' | 'media-missing' | 'media-busy' | 'media-insecure' | 'media-failed';

export interface MediaWanted {
  audio: boolean;
  video: boolean;
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
  error?: { code: MediaErrorCode; detail: string };
  private wanted = '';
  private pending?: Promise<MediaStream | null>;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /**
   * The local stream for these wishes; reuses the current one when the wishes
   * did not change. Never rejects: a failure is kept in `error` and the call
   * goes on receive-only, since seeing the others is still worth something.
   */
  acquire(wanted: MediaWanted): Promise<MediaStream | null> {
    const key = `${wanted.audio}/${wanted.video}`;
    if (this.pending && key === this.wanted) return this.pending;
    this.stop();
    this.wanted = key;
    const pending = (this.pending = this.capture(wanted).then((stream) => {
      if (this.pending !== pending) {
        stream?.getTracks().forEach((t) => t.stop()); // Superseded while waiting for the user.
        return null;
      }
      this.stream = stream;
      this.host.requestUpdate();
      return stream;
    }));
    return pending;
  }

  /** Turns sending of one kind on or off without renegotiating (mute, camera off). */
  setEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    for (const track of this.stream?.getTracks() ?? []) if (track.kind === kind) track.enabled = enabled;
  }

  stop(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.pending = undefined;
    this.wanted = '';
    this.error = undefined;
  }

  hostDisconnected(): void {
    this.stop();
  }

  private async capture({ audio, video }: MediaWanted): Promise<MediaStream | null> {
    this.error = undefined;
    if (!audio && !video) return null;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.error = { code: 'media-insecure', detail: 'navigator.mediaDevices is unavailable' };
      return null;
    }
    try {
      return await navigator.mediaDevices.getUserMedia({ audio, video });
    } catch (error) {
      this.error = { code: classify(error), detail: String(error) };
      this.host.requestUpdate();
      return null;
    }
  }
}
