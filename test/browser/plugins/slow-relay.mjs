/**
 * WTR server command for a relay far away: a proxy in front of the real relay
 * that passes the client's URL (a join in it too) and frames through at once,
 * but holds every frame from the relay for `delayMs`, as a slow network would.
 *
 *   slow-relay {url, delayMs, freezeAfter?} → {url}
 *                                       a new proxy to the relay at `url`; freezeAfter: a
 *                                       message type, after whose first frame to a client
 *                                       that link freezes (as below): what the client says
 *                                       to it is lost with its socket
 *   slow-relay-freeze {dropUpstream?}   the connections open now go silent both ways
 *                                       without closing (a half-open socket, as after
 *                                       a laptop slept: the client closing its end is
 *                                       not seen by the relay); new ones work. dropUpstream:
 *                                       the relay's end is torn down too (no close
 *                                       frame), as when its heartbeat gives up first
 *   slow-relay-stop                     closes every proxy and its sockets
 */
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';

export function slowRelayPlugin() {
  const proxies = new Set();
  /** One per client connection: {frozen}. */
  const links = new Set();

  async function start({ url, delayMs, freezeAfter }) {
    const proxy = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(proxy, 'listening');
    proxies.add(proxy);
    proxy.on('connection', (client, request) => {
      const upstream = new WebSocket(url + request.url);
      const link = { frozen: false, upstream };
      links.add(link);
      const early = [];
      upstream.on('open', () => early.splice(0).forEach((frame) => upstream.send(frame)));
      client.on('message', (data) => {
        if (link.frozen) return;
        const frame = data.toString(); // text frames stay text
        if (upstream.readyState === WebSocket.OPEN) upstream.send(frame);
        else early.push(frame);
      });
      upstream.on('message', (data) =>
        setTimeout(() => {
          if (link.frozen || client.readyState !== WebSocket.OPEN) return;
          const frame = data.toString();
          client.send(frame);
          if (freezeAfter && JSON.parse(frame).type === freezeAfter) {
            freezeAfter = undefined; // once: the client's next socket works
            link.frozen = true;
          }
        }, delayMs),
      );
      client.on('close', () => {
        if (link.frozen) return; // Its close cannot reach the relay either: the relay's end stays, half-open.
        links.delete(link);
        upstream.close();
      });
      upstream.on('close', () => link.frozen || client.close());
      for (const socket of [client, upstream]) socket.on('error', () => {});
    });
    return { url: `ws://127.0.0.1:${proxy.address().port}` };
  }

  async function stopAll() {
    for (const link of links) link.upstream.terminate();
    for (const proxy of proxies) {
      for (const client of proxy.clients) client.terminate();
      await new Promise((resolve) => proxy.close(resolve));
    }
    proxies.clear();
    links.clear();
    return {};
  }

  return {
    name: 'p2p-call:slow-relay',
    async executeCommand({ command, payload }) {
      if (command === 'slow-relay') return start(payload);
      if (command === 'slow-relay-freeze') {
        for (const link of links) {
          link.frozen = true;
          if (payload?.dropUpstream) link.upstream.terminate();
        }
        return {};
      }
      if (command === 'slow-relay-stop') return stopAll();
      return undefined;
    },
    serverStop: stopAll,
  };
}
