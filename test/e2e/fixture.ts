/**
 * What every end-to-end test file starts before its tests and stops after
 * them: the relay as `npm run relay`, a static server of the repository (the
 * built dist/p2p-call.js, the demo, the examples), and one Chromium.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { ROOT, launchChromium, startRelayProcess, startStaticServer, type RelayProcess, type StaticServer } from './helpers.js';

export interface E2E {
  relay: RelayProcess;
  web: StaticServer;
  browser: Browser;
}

/**
 * Registers the before() and after() hooks of one test file; the fields are
 * set once before() has run. `pages` adds in-memory pages to the static
 * server, made with the relay's URL.
 */
export function useE2E(pages: (relayUrl: string) => Record<string, string> = () => ({})): E2E {
  const e2e = {} as Partial<E2E>;
  before(async () => {
    assert.ok(existsSync(path.join(ROOT, 'dist/p2p-call.js')), 'dist/p2p-call.js is missing: run `npm run build` first');
    [e2e.relay, e2e.browser] = await Promise.all([startRelayProcess(), launchChromium()]);
    e2e.web = await startStaticServer(ROOT, pages(e2e.relay.url));
  });
  after(async () => {
    await e2e.browser?.close();
    await Promise.all([e2e.web?.close(), e2e.relay?.stop()]);
  });
  return e2e as E2E;
}
