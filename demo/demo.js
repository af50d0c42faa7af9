// The demo page's glue, in plain JS so that with ?dist the page runs from any static server.
// Room: ?room=… or a random readable one, written back into the URL.
// Relay: ?server=… or ws(s)://<this page's hostname>:8787.
const ADJECTIVES = ['calm', 'bright', 'brave', 'quick', 'quiet', 'sunny', 'gentle', 'lucky', 'happy', 'clever', 'mellow', 'swift'];
const NOUNS = ['otter', 'falcon', 'maple', 'harbor', 'comet', 'meadow', 'river', 'panda', 'cedar', 'lagoon', 'robin', 'summit'];
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const randomRoom = () => `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(10 + Math.random() * 90)}`;

const params = new URLSearchParams(location.search);
// ?dist: the built drop-in file (run `npm run build` first); otherwise the sources, through Vite.
await import(params.has('dist') ? '../dist/p2p-call.js' : '/src/index.ts');
let room = params.get('room')?.trim();
if (!room) {
  room = randomRoom();
  params.set('room', room);
  history.replaceState(null, '', `${location.pathname}?${params}${location.hash}`);
}
const server =
  params.get('server') || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:8787`;

document.querySelector('#room-name').textContent = room;
// The same room, as someone else: without this tab's ?name=.
const secondTab = new URL(location.href);
secondTab.searchParams.delete('name');
document.querySelector('#second-tab').href = secondTab.href;
document.title = `${room} · ${document.title}`;

const status = document.querySelector('#demo-status');
const say = (text) => (status.textContent = text);

const call = document.createElement('p2p-call');
call.setAttribute('room', room);
call.setAttribute('server', server);
// Your name on the others' screens: ?name=… or a random friendly one (per tab).
const cap = (w) => w[0].toUpperCase() + w.slice(1);
call.setAttribute('name', params.get('name') || `${cap(pick(ADJECTIVES))} ${cap(pick(NOUNS))}`);

const others = new Set();
const showPeers = () =>
  say(
    others.size
      ? `Connected peer to peer with ${others.size} other ${others.size === 1 ? 'person' : 'people'}. Open more tabs to add more.`
      : 'Waiting for someone else: open this room in a second tab.',
  );
call.addEventListener('p2p-joined', showPeers);
call.addEventListener('p2p-remote-stream', (e) => (others.add(e.detail.peer), showPeers()));
call.addEventListener('p2p-peer-left', (e) => (others.delete(e.detail.peer), showPeers()));
call.addEventListener('p2p-left', () => (others.clear(), say('You left the call.')));
// The element shows what went wrong; this line says what to do about it.
call.addEventListener('p2p-error', ({ detail }) => {
  if (detail.code === 'relay-unreachable')
    say(params.has('server') ? `Is the relay at ${server} running?` : 'Is the relay running? `npm start` starts it with this page.');
  else if (!others.size) say('The call above says what went wrong.');
});

document.querySelector('#call').append(call);
customElements.whenDefined('p2p-call').then(() => status.textContent.startsWith('Starting') && say('Joining…'));
window.p2pCall = call; // for poking at it from the console
