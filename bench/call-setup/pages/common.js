// Shared by the call-setup pages. Every variant measures the same way: t0 = the moment the second
// peer starts (element appended / connect called), t1 = presentationTime of the first remote video
// frame reported by requestVideoFrameCallback on a <video> showing the remote stream.
export const params = new URLSearchParams(location.search);
export const MEDIA = { video: { width: 320, height: 240, frameRate: 30 }, audio: true };
export const NO_ICE_SERVERS = { iceServers: [] }; // loopback only: no STUN/TURN probes
/** The raw floors' connections: one transport for audio and video from the offer on, as p2p-call's (PeerJS keeps its own). */
export const FLOOR_RTC_CONFIG = { ...NO_ICE_SERVERS, bundlePolicy: 'max-bundle' };

/**
 * Resolve with the presentationTime of the first frame `video` presents. It also tells the bench
 * (benchFirstFrame, when it listens), which reads the browser's CPU time then: the end of setup.
 */
export function firstFrame(video) {
  return new Promise((resolve) =>
    video.requestVideoFrameCallback((now, md) => {
      window.benchFirstFrame?.();
      resolve({ t: md.presentationTime ?? now, width: md.width, height: md.height });
    }),
  );
}

/** A muted autoplaying <video> in the DOM, showing `stream`; resolves on its first frame. */
export function showStream(stream) {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.width = 160;
  document.body.append(video);
  video.srcObject = stream;
  video.play().catch(() => {});
  return firstFrame(video);
}

/** Which candidate pair carries the call: 'host/host 127.0.0.1' etc. */
export async function selectedPair(pc) {
  if (!pc) return undefined;
  const stats = await pc.getStats();
  let pair;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) return undefined;
  const l = stats.get(pair.localCandidateId), r = stats.get(pair.remoteCandidateId);
  return `${l?.candidateType}/${r?.candidateType} ${l?.address}↔${r?.address}`;
}

export const waitOpen = (ws) =>
  new Promise((resolve, reject) => {
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('websocket error'));
  });

/** A stopwatch started now: mark(name) keeps the first time each phase is reached, in ms after t0. */
export function stopwatch() {
  const t0 = performance.now();
  performance.mark('t0'); // finds t0 in a Chrome trace (--chrome-trace)
  const phases = {};
  return { t0, phases, mark: (name) => (phases[name] ??= +(performance.now() - t0).toFixed(1)) };
}

/** What a page's join() returns: the first frame's time after t0, its size, and the phases. */
export const report = ({ t0, phases }, frame, via, pair) => ({
  t0abs: performance.timeOrigin + t0,
  ms: frame.t - t0,
  width: frame.width,
  height: frame.height,
  via,
  pair,
  phases,
});

/** The joiner of the raw floors: its camera started at once, one connection, and its first remote video frame. */
export function rawJoiner(mark) {
  const media = navigator.mediaDevices.getUserMedia(MEDIA);
  media.then(() => mark('media'));
  const pc = new RTCPeerConnection(FLOOR_RTC_CONFIG);
  pc.addEventListener('connectionstatechange', () => pc.connectionState === 'connected' && mark('connected'));
  const frame = new Promise((resolve) => {
    pc.ontrack = (e) => e.track.kind === 'video' && (mark('track'), resolve(showStream(e.streams[0] ?? new MediaStream([e.track]))));
  });
  return { media, pc, frame };
}
