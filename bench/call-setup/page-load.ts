/**
 * Page load of two builds of the drop-in file, interleaved in fresh browser
 * contexts: when `<p2p-call>` is defined and when its first drawing is on
 * screen, in ms after navigation (medians). For changes that move work to
 * load time, such as V8's compile hint (scripts/drop-in-config.mjs).
 *
 *   node --import tsx bench/call-setup/page-load.ts A.js B.js [loads=20]
 *   (e.g. dist/p2p-call.js against a copy without its first line)
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startStaticServer } from '../../test/e2e/helpers.js';
import { median } from '../lib/util.js';

const [a, b, loads = '20'] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: page-load.ts A.js B.js [loads]');
const builds = [a, b].map((file, i) => ({ name: `${i}-${basename(file)}`, file: resolve(file) }));

// The element, no room: it defines, draws its idle state and starts nothing.
const page = (src: string) => `<!doctype html>
<script type="module" src="${src}"></script>
<p2p-call></p2p-call>
<script>
  customElements.whenDefined('p2p-call').then(async () => {
    const defined = performance.now();
    await document.querySelector('p2p-call').updateComplete;
    requestAnimationFrame(() => setTimeout(() => (window.loaded = { defined, drawn: performance.now() })));
  });
</script>`;
const server = await startStaticServer(dirname(builds[0]!.file), {
  ...Object.fromEntries(builds.map((x) => [`/${x.name}.html`, page(`/${x.name}.js`)])),
  // Served from memory under distinct names, so both files may sit anywhere.
  ...Object.fromEntries(await Promise.all(builds.map(async (x) => [`/${x.name}.js`, await readFile(x.file, 'utf8')]))),
});
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
const times = new Map(builds.map((x) => [x.name, { defined: [] as number[], drawn: [] as number[] }]));
for (let i = 0; i < Number(loads); i++) {
  for (const x of i % 2 ? [...builds].reverse() : builds) {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${server.url}/${x.name}.html`);
    const loaded = (await (await tab.waitForFunction(() => (window as { loaded?: unknown }).loaded)).jsonValue()) as { defined: number; drawn: number };
    times.get(x.name)!.defined.push(loaded.defined);
    times.get(x.name)!.drawn.push(loaded.drawn);
    await context.close();
  }
}
await browser.close();
await server.close();
for (const x of builds) {
  const t = times.get(x.name)!;
  console.log(`${x.file}: defined ${median(t.defined).toFixed(1)} ms, drawn ${median(t.drawn).toFixed(1)} ms after navigation (median of ${loads})`);
}
