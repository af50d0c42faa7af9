/**
 * The element's box holds everything it draws, whatever display the page
 * gives it: pages often set custom elements to display: block, and a call
 * whose status and buttons spill out below its box shows light text on the
 * page's own background. No relay needed: an element with no room draws its
 * self view, status and buttons, and a bad server address adds an error box.
 */
import { expect } from 'chai';
import { setViewport } from '@web/test-runner-commands';
import type { P2PCallElement } from '../../src/index.js';
import { mountCall, nextEvent, removeAll, tilePeers, uniqueRoom, until } from './helpers.js';

/** What of the element's drawing lies outside its own box, or runs out of its part (text too wide), in px, as "part: overflow" lines. */
function spills(element: P2PCallElement): string[] {
  const box = element.getBoundingClientRect();
  const drawn = element.shadowRoot!.querySelectorAll('[part]:not(.visually-hidden *)');
  return [...drawn].flatMap((part) => {
    const r = part.getBoundingClientRect();
    const out = Math.max(box.top - r.top, r.bottom - box.bottom, box.left - r.left, r.right - box.right, part.scrollWidth - part.clientWidth);
    return out > 0.5 ? [`${part.getAttribute('part')}: ${out.toFixed(1)} px`] : [];
  });
}

/** WCAG contrast of two computed colours (rgb() or color(srgb …), opaque). */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const numbers = color.match(/[\d.]+/g)!.map(Number);
    const channels = color.startsWith('color(') ? numbers.slice(0, 3) : numbers.slice(0, 3).map((n) => n / 255);
    const [r, g, bl] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

describe('<p2p-call>: layout', () => {
  afterEach(removeAll);

  for (const display of ['', 'block', 'inline-block', 'grid']) {
    it(`display: ${display || 'its own (flex)'} with a fixed height: everything inside the box, the stage shrinks`, async () => {
      const element = mountCall({ server: 'localhost:8787', style: `display: ${display}; width: 420px; height: 340px` });
      await element.updateComplete;
      const stage = element.shadowRoot!.querySelector('[part~="stage"]')!;
      expect(element.shadowRoot!.querySelector('[part~="error"]'), 'the bad-server error box').to.exist;
      expect(spills(element)).to.deep.equal([]);
      expect(stage.getBoundingClientRect().height, 'the stage keeps some room').to.be.greaterThan(60);
    });
  }

  it('a room name with no spaces, as long as the relay takes (128 characters), wraps inside the box', async () => {
    const element = mountCall({ room: uniqueRoom().padEnd(128, 'y'), style: 'width: 420px' });
    await nextEvent(element, 'p2p-joined');
    await element.updateComplete;
    expect(element.shadowRoot!.querySelector('[part~="status"]')!.textContent).to.contain('yyyy');
    expect(spills(element)).to.deep.equal([]);
  });

  it('device pickers with names as long as real ones stay inside a phone-wide box', async () => {
    // Real devices are called things like "Default - Headset Microphone (Jabra Evolve2 65, Bluetooth Hands-Free)";
    // the fake ones are short. A <select> is as wide as its longest option unless told otherwise.
    // Each device is listed twice, as pickers show only when there is a choice (Firefox fakes one of each).
    const devices = navigator.mediaDevices;
    const real = devices.enumerateDevices.bind(devices);
    devices.enumerateDevices = async () =>
      (await real()).flatMap((d) =>
        ['', ' 2'].map((n) => ({ ...d.toJSON(), deviceId: d.deviceId + n, label: `Default - ${d.label}${n} (Jabra Evolve2 65, Bluetooth Hands-Free)` }) as MediaDeviceInfo),
      );
    // On a phone, too: there pickers share lines, so the toolbar leaves the picture most of the screen.
    await setViewport({ width: 360, height: 740 });
    try {
      const element = mountCall({ room: uniqueRoom(), style: 'width: 320px' });
      // Chromium lists speakers too; Firefox, only once they have been asked for.
      await until(() => element.shadowRoot!.querySelectorAll('select').length >= 2, 'device pickers');
      const pickers = element.shadowRoot!.querySelectorAll('select').length;
      await element.updateComplete;
      expect(spills(element)).to.deep.equal([]);
      const controls = [...element.shadowRoot!.querySelector('[part~="controls"]')!.children];
      const rows = new Set(controls.map((control) => Math.round(control.getBoundingClientRect().top)));
      // Four buttons, and pickers whose names alone are wider than the line: with a picker a line, 3 rows more than pickers.
      expect(rows.size, `rows of controls, with ${pickers} pickers`).to.be.at.most(pickers + 1);
    } finally {
      delete (devices as Partial<MediaDevices>).enumerateDevices; // back to the prototype's
      await setViewport({ width: 800, height: 600 });
    }
  });

  it('in a box wider than the picture (a laptop, a phone on its side), the other’s picture is shown whole, or fills the tile if the page says so', async () => {
    const room = uniqueRoom();
    const [alice, bob] = ['Alice', 'Bob'].map((name) => mountCall({ room, name, style: 'width: 740px; height: 360px' }));
    await until(() => tilePeers(alice!).length === 1, 'Bob’s tile at Alice');
    const video = alice!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')!;
    await until(() => video.videoWidth > 0, 'Bob’s picture');
    const { width, height } = video.getBoundingClientRect();
    expect(width / height, 'a tile much wider than 4:3').to.be.greaterThan(2);
    expect(getComputedStyle(video).objectFit).to.equal('contain');
    bob!.remove();
    alice!.style.setProperty('--p2p-call-video-fit', 'cover');
    expect(getComputedStyle(alice!.shadowRoot!.querySelector('[part~="local-video"]')!).objectFit).to.equal('cover');
  });

  it('with two others or more, the self view is a tile of the grid, over nobody’s picture', async () => {
    const room = uniqueRoom();
    const [alice] = ['Alice', 'Bob', 'Carol'].map((name) => mountCall({ room, name, style: 'width: 640px' }));
    await until(() => tilePeers(alice!).length === 2, () => `Alice’s tiles: ${tilePeers(alice!).length}`);
    await alice!.updateComplete;
    const self = alice!.shadowRoot!.querySelector('[part~="local-tile"]')!.getBoundingClientRect();
    const covered = [...alice!.shadowRoot!.querySelectorAll('[part~="tile"]:not([part~="local-tile"])')].filter((tile) => {
      const r = tile.getBoundingClientRect();
      return self.left < r.right && r.left < self.right && self.top < r.bottom && r.top < self.bottom;
    });
    expect(covered.map((tile) => (tile as HTMLElement).dataset.peer)).to.deep.equal([]);
    expect(spills(alice!)).to.deep.equal([]);
  });

  for (const theme of ['dark', 'light'])
    it(`the text of pressed buttons, of Leave and of name labels is at least 4.5:1 on their background (${theme} theme)`, async () => {
      // A light theme through the documented properties: dark text on light fills.
      const style = theme === 'light' ? '--p2p-call-background: #f4f4f5; --p2p-call-tile-background: #e4e4e7; --p2p-call-color: #18181b; --p2p-call-color-scheme: light' : '';
      const element = mountCall({ room: uniqueRoom(), muted: true, name: 'Alice', style });
      await nextEvent(element, 'p2p-joined');
      await element.updateComplete;
      const ratios = ['mute-button', 'leave-button', 'name'].map((name) => {
        const { color, backgroundColor } = getComputedStyle(element.shadowRoot!.querySelector(`[part~="${name}"]`)!);
        // A name label's backing is see-through: over the whitest picture it is that much black over white.
        const alpha = Number(backgroundColor.match(/[\d.]+/g)![3] ?? 1);
        const behind = alpha < 1 ? `rgb(${Array(3).fill(255 * (1 - alpha)).join(', ')})` : backgroundColor;
        return `${name} ${contrast(color, behind).toFixed(1)}`;
      });
      expect(ratios.filter((ratio) => Number(ratio.split(' ')[1]) < 4.5), ratios.join(', ')).to.deep.equal([]);
      // The browser draws a picker's list of devices in the theme's scheme, not dark on a light page.
      expect(getComputedStyle(element.shadowRoot!.querySelector('[part~="mute-button"]')!).colorScheme).to.equal(theme);
    });

  for (const dir of ['ltr', 'rtl'])
    it(`a long name is cut on one line and its indicators stay in view; the label sits at the start of the line (${dir})`, async () => {
      const element = mountCall({ room: uniqueRoom(), name: 'Maximiliana '.repeat(8).trim(), muted: true, 'camera-off': true, dir, style: 'width: 360px' });
      const caption = (await until(() => element.shadowRoot!.querySelector('[part~="local-tile"] [part~="muted-indicator"]')?.parentElement, 'the indicators'))!;
      await element.updateComplete;
      const tile = caption.parentElement!.getBoundingClientRect();
      const box = caption.getBoundingClientRect();
      expect(box.height, 'one line').to.be.lessThan(30);
      for (const icon of caption.querySelectorAll('svg')) expect(icon.getBoundingClientRect().width, 'an indicator').to.be.greaterThan(10);
      expect(box.left >= tile.left && box.right <= tile.right, 'inside its tile').to.equal(true);
      const fromStart = dir === 'ltr' ? box.left - tile.left : tile.right - box.right;
      expect(fromStart, 'from the start of the line').to.be.lessThan(10);
    });

  for (const display of ['', 'block'])
    it(`a height set is kept, however small (display: ${display || 'its own (flex)'})`, async () => {
      const heights = [];
      for (const height of [200, 300]) {
        const element = mountCall({ server: 'localhost:8787', style: `display: ${display}; width: 400px; height: ${height}px` });
        await element.updateComplete;
        heights.push(element.getBoundingClientRect().height);
      }
      expect(heights).to.deep.equal([200, 300]);
    });

  for (const display of ['', 'block'])
    it(`with no height on a wide screen, no taller than the screen, everything inside (display: ${display || 'its own (flex)'})`, async () => {
      await setViewport({ width: 1280, height: 720 });
      try {
        const element = mountCall({ server: 'localhost:8787', style: `display: ${display}` });
        await element.updateComplete;
        expect(element.getBoundingClientRect().height).to.be.within(400, 720);
        expect(spills(element)).to.deep.equal([]);
        element.style.setProperty('--p2p-call-max-height', '400px');
        expect(element.getBoundingClientRect().height, '--p2p-call-max-height').to.equal(400);
      } finally {
        await setViewport({ width: 800, height: 600 });
      }
    });

  it('display: block with no height: the box grows to hold everything', async () => {
    const element = mountCall({ server: 'localhost:8787', style: 'display: block; width: 420px' });
    await element.updateComplete;
    expect(spills(element)).to.deep.equal([]);
  });
});
