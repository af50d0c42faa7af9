/**
 * Bundle another copy of the element's sources exactly like scripts/build.mjs bundles dist/p2p-call.js
 * (Vite lib mode, Lit inlined, minified, Lit-template minifier), to A/B-test a change in call setup
 * without touching src/ or dist/:
 *
 *   mkdir -p bench/.tmp/try && cp -r src bench/.tmp/try/src && (edit bench/.tmp/try/src/...)
 *   node --import tsx bench/call-setup/build-variant.ts bench/.tmp/try/src/index.ts bench/.tmp/try/p2p-call.js
 *   BENCH_P2P_CALL_EXTRA=try=bench/.tmp/try/p2p-call.js npm run bench -- call-setup --reps 20 --variants raw,p2p-call,p2p-call:try
 *
 * The copy resolves `lit` from this repository's node_modules when it lives under it (e.g. bench/.tmp/).
 */
import { resolve } from 'node:path';
import { dropInConfig } from '../../scripts/drop-in-config.mjs';
import { ROOT } from '../lib/util.js';

// --readable: not minified, so function names show in a profile or a Chrome trace.
const readable = process.argv.includes('--readable');
const [entryArg, outArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!entryArg || !outArg) throw new Error('usage: build-variant.ts [--readable] ENTRY.ts OUT.js');
const entry = resolve(entryArg);
const out = resolve(outArg);
const { build } = await import('vite');
await build(dropInConfig({ root: ROOT, entry, outFile: out, minify: !readable }));
console.log(`built ${out}`);
