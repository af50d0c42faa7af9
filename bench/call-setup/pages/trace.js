// Opt-in (?trace=1) page-level tracer for diagnosis: wraps WebSocket and RTCPeerConnection to
// timestamp each signaling message and WebRTC step, in absolute time (timeOrigin + now) so that the
// host's and the joiner's pages can be put on one timeline. Loaded before anything opens a socket.
const now = () => performance.timeOrigin + performance.now();
const trace = (window.__trace = []);
const mark = (ev) => trace.push({ t: now(), ev });
const typeOf = (d) => {
  try {
    const m = JSON.parse(typeof d === 'string' ? d : new TextDecoder().decode(d));
    return m.type + (m.description ? `:${m.description.type}` : m.payload?.sdp ? `:${m.payload.sdp.type}` : '');
  } catch {
    return '?';
  }
};
if (new URLSearchParams(location.search).get('trace') === '1') {
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...a) {
      super(...a);
      mark('ws new');
      this.addEventListener('open', () => mark('ws open'));
      this.addEventListener('message', (e) => mark(`ws in ${typeOf(e.data)}`));
    }
    send(d) {
      mark(`ws out ${typeOf(d)}`);
      return super.send(d);
    }
  };
  const PC = window.RTCPeerConnection;
  let n = 0;
  window.RTCPeerConnection = class extends PC {
    constructor(...a) {
      const t0 = now();
      super(...a);
      const id = (this.__id = `pc${++n}`);
      trace.push({ t: t0, ev: `${id} constructor start` });
      mark(`${id} constructor done`);
      this.addEventListener('connectionstatechange', () => mark(`${id} ${this.connectionState}`));
      this.addEventListener('iceconnectionstatechange', () => mark(`${id} ice ${this.iceConnectionState}`));
      this.addEventListener('icegatheringstatechange', () => mark(`${id} gathering ${this.iceGatheringState}`));
      this.addEventListener('track', (e) => mark(`${id} track ${e.track.kind}`));
    }
    async setRemoteDescription(d) {
      mark(`${this.__id} sRD ${d?.type} start`);
      const r = await super.setRemoteDescription(d);
      mark(`${this.__id} sRD ${d?.type} done`);
      return r;
    }
    async setLocalDescription(d) {
      mark(`${this.__id} sLD start`);
      const r = await super.setLocalDescription(d);
      mark(`${this.__id} sLD ${this.localDescription?.type} done`);
      return r;
    }
  };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    mark('gUM start');
    const s = await gum(c);
    mark('gUM done');
    return s;
  };
}
