/**
 * WTR server commands for "other people" that the test page cannot be itself.
 *
 * Ghosts: bare WebSocket clients of the relay that join a room like a peer
 * (they speak signaling only, no WebRTC), then vanish:
 *   ghost-join {url, room, name?, maxPeers?} → {peer} | {error}
 *   ghost-vanish {peer, how: 'silent' | 'terminate'}
 *     silent:    the network is gone: no close frame, no FIN, no more pongs.
 *                Only the relay's heartbeat can notice.
 *     terminate: the process died: the TCP connection is torn down, no close frame.
 *   ghost-cleanup → closes every ghost (call it in afterEach)
 *
 * Tabs: another page in a fresh browser context (another user) of the same
 * Chromium, on this test server, so it has real fake media:
 *   open-tab {path} → {tab}       path relative to the test page, e.g. '/test/browser/fixtures/peer.html?room=…'
 *   close-tab {tab}               closes it like a user closing the tab
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export function peersPlugin() {
  const ghosts = new Map();
  const tabs = new Map();

  async function ghostJoin({ url, room, name, maxPeers }) {
    // Pongs by hand, so that a silent ghost can stop answering the relay's pings.
    const ws = new WebSocket(url, { autoPong: false });
    const ghost = { ws, silent: false };
    ws.on('ping', (data) => ghost.silent || ws.pong(data));
    ws.on('error', () => {});
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const peer = randomUUID();
    const reply = new Promise((resolve) => {
      const onMessage = (data) => {
        const message = JSON.parse(String(data));
        if (message.type === 'welcome' || message.type === 'error') {
          ws.off('message', onMessage);
          resolve(message);
        }
      };
      ws.on('message', onMessage);
    });
    const status = { audio: true, video: true };
    ws.send(JSON.stringify({ type: 'join', room, peer, name, maxPeers, status }));
    const message = await reply;
    if (message.type === 'error') {
      ws.terminate();
      return { error: message.code };
    }
    ghosts.set(peer, ghost);
    return { peer };
  }

  function ghostVanish({ peer, how }) {
    const ghost = ghosts.get(peer);
    if (!ghost) throw new Error(`no ghost ${peer}`);
    if (how === 'silent') ghost.silent = true;
    else if (how === 'terminate') ghost.ws.terminate();
    else throw new Error(`ghost-vanish: unknown how "${how}"`);
    return {};
  }

  function cleanup() {
    for (const { ws } of ghosts.values()) ws.terminate();
    ghosts.clear();
  }

  async function openTab(session, { path }) {
    const page = session.browser.getPage(session.id);
    const context = await page.context().browser().newContext();
    const tab = await context.newPage();
    tab.on('pageerror', (error) => console.error('[tab] pageerror:', error));
    await tab.goto(new URL(path, page.url()).href);
    const id = randomUUID();
    tabs.set(id, context);
    return { tab: id };
  }

  async function closeTab({ tab }) {
    const context = tabs.get(tab);
    tabs.delete(tab);
    await context?.close();
    return {};
  }

  return {
    name: 'p2p-call:peers',
    async executeCommand({ command, payload, session }) {
      switch (command) {
        case 'ghost-join':
          return ghostJoin(payload);
        case 'ghost-vanish':
          return ghostVanish(payload);
        case 'ghost-cleanup':
          cleanup();
          return {};
        case 'open-tab':
          return openTab(session, payload);
        case 'close-tab':
          return closeTab(payload);
        default:
          return undefined;
      }
    },
    async serverStop() {
      cleanup();
      await Promise.all([...tabs.values()].map((context) => context.close().catch(() => {})));
      tabs.clear();
    },
  };
}
