import { P2PCallElement } from '../../src/index.js';
import { relayUrl } from './relay-url.js';

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

describe('smoke', () => {
  it('defines <p2p-call> as P2PCallElement', () => {
    assert(customElements.get('p2p-call') === P2PCallElement, 'p2p-call is not P2PCallElement');
    assert(document.createElement('p2p-call') instanceof P2PCallElement, 'createElement gave something else');
  });

  it('has reactive properties that are not shadowed by class fields', async () => {
    // With useDefineForClassFields semantics a class field would hide Lit's accessor
    // and this reflection would never happen.
    const el = document.createElement('p2p-call');
    el.setAttribute('no-audio', '');
    el.setAttribute('no-video', '');
    document.body.append(el);
    try {
      el.name = 'smoke';
      await el.updateComplete;
      assert(el.getAttribute('name') === 'smoke', `name did not reflect: ${el.getAttribute('name')}`);
      assert(el.shadowRoot, 'no shadow root');
    } finally {
      el.remove();
    }
  });

  it('shows as attributes what was set, as attribute or property, and nothing else', async () => {
    const el = document.createElement('p2p-call');
    el.setAttribute('no-audio', ''); // no room: nothing is captured or dialled
    document.body.append(el);
    try {
      await el.updateComplete;
      assert(el.getAttributeNames().join() === 'no-audio', `unasked attributes: ${el.getAttributeNames().join(' ')}`);
      Object.assign(el, { noVideo: true, noControls: true, camera: 'cam-1', room: '' });
      await el.updateComplete;
      const names = el.getAttributeNames().sort().join(' ');
      assert(names === 'camera no-audio no-controls no-video', `attributes: ${names}`);
    } finally {
      el.remove();
    }
  });

  it('custom-elements.json lists exactly the attributes the element observes', async () => {
    // What editors and docs tools offer people: a state property is no attribute.
    const manifest = await (await fetch('/custom-elements.json')).json();
    const declaration = manifest.modules
      .flatMap((m: { declarations?: { tagName?: string }[] }) => m.declarations ?? [])
      .find((d: { tagName?: string }) => d.tagName === 'p2p-call');
    const listed = (declaration.attributes as { name: string }[]).map((a) => a.name).sort();
    const observed = [...(P2PCallElement as unknown as { observedAttributes: string[] }).observedAttributes].sort();
    assert(JSON.stringify(listed) === JSON.stringify(observed), `manifest ${listed.join(' ')} ≠ observed ${observed.join(' ')}`);
  });

  it('can reach the test relay', async () => {
    assert(/^ws:\/\/127\.0\.0\.1:\d+/.test(relayUrl), `odd relay url ${relayUrl}`);
    const ws = new WebSocket(relayUrl);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`cannot connect to ${relayUrl}`));
    });
    ws.close();
  });
});
