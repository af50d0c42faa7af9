/**
 * The element's `<video>`s and `<audio>`s are made here once and kept, not
 * written in the templates: Lit re-assigns an object-valued property such as
 * `.srcObject` on every render, and each assignment (even of the same stream)
 * makes a media element start over (`emptied`, a black flash). A kept element
 * is rendered as a child value; should Lit reuse a tile for someone else, it
 * moves the element with insertBefore, and a media element moved
 * synchronously keeps playing.
 */

/**
 * A muted `<video>`: pictures only. Sound plays in a separate `<audio>`,
 * because a `<video>` does not start, sound included, before its first video
 * frame: someone with no camera would never be heard.
 */
export function createVideo(part: string): HTMLVideoElement {
  const video = document.createElement('video');
  video.setAttribute('part', part);
  video.autoplay = video.playsInline = video.muted = true;
  video.addEventListener('pause', () => {
    if (pausedByBrowser(video)) void video.play().catch(() => {}); // muted: autoplay allows it
  });
  return video;
}

/**
 * Paused while still on the page: the browser did it, as Chromium does to a
 * page it froze (a locked phone, a background tab). It stays paused when the
 * page resumes, as autoplay starts an element once; nobody else pauses these,
 * which have no controls. One taken off the page is paused too: that one stays.
 */
export function pausedByBrowser(media: HTMLMediaElement): boolean {
  return media.isConnected && media.paused;
}

/** Points a kept media element at a stream, assigning srcObject only when it changes (see above). */
export function setStream<M extends HTMLMediaElement>(media: M, stream: MediaStream | null): M {
  if (media.srcObject !== stream) media.srcObject = stream;
  return media;
}

/** Points a kept video at a stream, letterboxed if it is a shared screen. */
export function showStream(video: HTMLVideoElement, stream: MediaStream | null, screen: boolean): HTMLVideoElement {
  setStream(video, stream);
  // A shared screen is letterboxed, not cropped (see the `.screen` rule).
  video.className = screen ? 'screen' : '';
  return video;
}

/**
 * Plays `audio` on that output device ('' = the system's). One gone or not
 * allowed leaves the sound where it was; resolves false for one not plugged in.
 */
export async function setSink(audio: HTMLAudioElement, deviceId: string): Promise<boolean> {
  return audio.setSinkId?.(deviceId).then(
    () => true,
    (error: Error) => error.name !== 'NotFoundError',
  ) ?? true;
}
