/**
 * Bundle size: raw, gzip -9 and brotli (quality 11) of dist/p2p-call.js beside a minimal Lit element
 * bundled the same way (the floor for a Lit drop-in), PeerJS's and simple-peer's browser builds.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { dropInConfig } from '../../scripts/drop-in-config.mjs';
import { BENCH, ROOT } from '../lib/util.js';

export interface BundleRow {
  key: 'p2p-call' | 'lit-floor' | 'peerjs' | 'simple-peer';
  label: string;
  file: string;
  raw?: number;
  gzip?: number;
  brotli?: number;
  missing?: string;
}

export function sizes(buf: Buffer) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
}

/** Build the Lit floor with the same Vite settings as scripts/build.mjs (incl. its Lit-template minifier). */
async function buildLitFloor(): Promise<string> {
  const { build } = await import('vite');
  const outFile = join(BENCH, '.tmp', 'bundle', 'hello-lit.js');
  await build(dropInConfig({ root: ROOT, entry: join(BENCH, 'bundle', 'lit-floor', 'hello-lit.ts'), outFile }));
  return outFile;
}

export interface CompositionRow {
  module: string;
  /** Minified alone (same minifier, top-level names mangled), bytes. */
  minBytes: number;
  share: number;
  /** share × the whole bundle's gzip size: an estimate of this module's part of the gzip total. */
  gzipEstimate: number;
}

/**
 * What dist/p2p-call.js is made of: bundle src/index.ts again with the same settings (not written),
 * minify each module's rendered code alone, and split the real gzip size by those shares.
 */
async function composition(): Promise<{ rows: CompositionRow[]; bundleGzip: number } | undefined> {
  const entry = join(ROOT, 'src', 'index.ts');
  if (!existsSync(entry)) return undefined;
  const { build, minifySync } = await import('vite');
  const out = (await build(dropInConfig({ root: ROOT, entry }))) as unknown as { output: { code: string; modules: Record<string, { code: string | null }> }[] } | { output: { code: string; modules: Record<string, { code: string | null }> }[] }[];
  const chunk = (Array.isArray(out) ? out[0]! : out).output[0]!;
  const bundleGzip = gzipSync(Buffer.from(chunk.code), { level: 9 }).length;
  const mins = Object.entries(chunk.modules)
    .filter(([, m]) => m.code)
    .map(([id, m]) => {
      const min = minifySync('m.js', m.code!, { compress: true, mangle: { toplevel: true } } as never) as { code: string };
      return { module: id.startsWith(ROOT) ? id.slice(ROOT.length) : id, minBytes: min.code.length };
    });
  const total = mins.reduce((a, m) => a + m.minBytes, 0);
  const rows = mins
    .map((m) => ({ ...m, share: m.minBytes / total, gzipEstimate: Math.round((m.minBytes / total) * bundleGzip) }))
    .sort((a, b) => b.minBytes - a.minBytes);
  return { rows, bundleGzip };
}

export async function runBundle(): Promise<{ rows: BundleRow[]; composition?: { rows: CompositionRow[]; bundleGzip: number } }> {
  const rows: BundleRow[] = [
    { key: 'p2p-call', label: 'p2p-call (dist/p2p-call.js, Lit inlined)', file: join(ROOT, 'dist', 'p2p-call.js') },
    { key: 'lit-floor', label: 'minimal Lit element (floor)', file: '' },
    { key: 'peerjs', label: 'PeerJS (peerjs/dist/peerjs.min.js)', file: join(ROOT, 'node_modules', 'peerjs', 'dist', 'peerjs.min.js') },
    { key: 'simple-peer', label: 'simple-peer (simplepeer.min.js)', file: join(ROOT, 'node_modules', 'simple-peer', 'simplepeer.min.js') },
  ];
  try {
    rows[1]!.file = await buildLitFloor();
  } catch (e) {
    rows[1]!.missing = `build failed: ${(e as Error).message}`;
  }
  for (const r of rows) {
    if (r.missing) continue;
    if (!existsSync(r.file)) {
      r.missing = r.key === 'p2p-call' ? 'not built (npm run build)' : 'not found';
      continue;
    }
    Object.assign(r, sizes(await readFile(r.file)));
    r.file = r.file.startsWith(ROOT) ? r.file.slice(ROOT.length) : r.file;
  }
  let comp: Awaited<ReturnType<typeof composition>>;
  try {
    comp = await composition();
  } catch (e) {
    console.error(`  bundle composition failed: ${(e as Error).message}`);
  }
  return { rows, ...(comp ? { composition: comp } : {}) };
}
