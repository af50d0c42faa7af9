/**
 * The drop-in build recipe (scripts/drop-in-config.mjs) on a tiny entry: V8
 * reads its compile hint only on a file's first line, so nothing (the license
 * banner, a minifier's output) may come before it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import { COMPILE_HINT, dropInConfig } from '../../scripts/drop-in-config.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function bundle(banner?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'drop-in-'));
  try {
    const entry = path.join(dir, 'entry.js');
    await writeFile(entry, 'export function hello(name) { return `hello ${name}`; }\n');
    const result = (await build(dropInConfig({ root, entry, banner }))) as Rollup.RollupOutput | Rollup.RollupOutput[];
    return (Array.isArray(result) ? result[0] : result).output[0].code;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('drop-in build', () => {
  it('opens with the compile hint, then the banner', async () => {
    const lines = (await bundle('/*! banner */')).split('\n');
    assert.equal(COMPILE_HINT, '//# allFunctionsCalledOnLoad');
    assert.deepEqual(lines.slice(0, 2), [COMPILE_HINT, '/*! banner */']);
  });

  it('opens with the compile hint without a banner too', async () => {
    assert.equal((await bundle()).split('\n')[0], COMPILE_HINT);
  });
});
