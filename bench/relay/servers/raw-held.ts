// Floor for the held-offer path: the least a relay must do to hand a held offer to a joiner.
// Speaks the p2p-call frames it needs (join → welcome, offer = hold), parses JSON, validates nothing.
import { WebSocketServer } from 'ws';
export function startRawHeld(port = 0, host = '127.0.0.1'): Promise<{ port: number; close(): void }> {
  const wss = new WebSocketServer({ port, host }), held = new Map<string, { from: string; offerId: string; sdp: string; candidates: [] }>();
  wss.on('connection', (ws) => {
    let room = '', peer = '';
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'join') {
        (room = m.room), (peer = m.peer);
        const offer = held.get(room);
        held.delete(room);
        ws.send(JSON.stringify({ type: 'welcome', protocol: 1, room, peer, peers: [], offers: offer ? [offer] : [] }));
      } else if (m.type === 'offer') held.set(room, { from: peer, offerId: m.offerId, sdp: m.sdp, candidates: [] });
    });
  });
  return new Promise((ok) => wss.on('listening', () => ok({ port: (wss.address() as { port: number }).port, close: () => wss.close() })));
}
