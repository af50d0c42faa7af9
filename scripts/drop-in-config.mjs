/**
 * The Vite settings that make a drop-in file: one ES module, everything
 * inlined (Lit too), templates and code minified, no comments. Shared by
 * scripts/build.mjs (dist/p2p-call.js) and bench/ (the Lit floor and trial
 * builds), so every size in bench/README.md comes from the same recipe.
 */
import path from 'node:path';
import minifyLitTemplates from '@lit-labs/rollup-plugin-minify-html-literals';

/**
 * V8's explicit compile hint (Chrome 136+; other engines read a comment). It
 * must be the file's first line. Without it V8 compiles each function lazily,
 * on the main thread, the first time it runs, and most of this file first runs
 * when a call starts: in Chrome traces (2026-12-05) that was 25-47 ms of the
 * joiner's main thread and 9-37 ms of the host's inside the handshake. With
 * it the whole file is compiled as it loads instead (the element appears
 * ~10 ms later on a slow machine), so a call is faster whenever the element
 * was on the page before the call began. See bench/FINDINGS.md.
 */
export const COMPILE_HINT = '//# allFunctionsCalledOnLoad';

/**
 * @param {{ root: string, entry: string, outFile?: string, plugins?: unknown[], banner?: string, minify?: boolean }} options
 *   Without `outFile` nothing is written and the output comes back from `build()`.
 *   `minify: false` keeps names readable (profiles, traces); sizes are only true minified.
 */
export function dropInConfig({ root, entry, outFile, plugins = [], banner, minify = true }) {
  return {
    configFile: false, // everything is here; no vite.config.* is read
    root,
    logLevel: 'warn',
    mode: 'production',
    publicDir: false,
    plugins: [
      {
        // Lit's own template minifier (html-minifier-next for html``,
        // lightningcss for css``): the JS minifier never touches template
        // text. It parses the TypeScript source, so it runs before it is
        // stripped; a template it cannot minify stops the build.
        ...minifyLitTemplates({ exclude: ['**/node_modules/**'], failOnError: true }),
        enforce: 'pre',
      },
      ...plugins,
    ],
    build: {
      write: Boolean(outFile),
      lib: { entry, formats: ['es'], fileName: () => path.basename(outFile ?? 'bundle.js') },
      outDir: outFile ? path.dirname(outFile) : undefined,
      emptyOutDir: false,
      target: 'es2022',
      minify,
      sourcemap: false,
      reportCompressedSize: false,
      copyPublicDir: false,
      rolldownOptions: {
        // Nothing is external: the file works from any page.
        output: {
          // Vite's lib mode only mangles ES output (to keep /*@__PURE__*/ for
          // re-bundlers); this file is final, so minify whitespace too.
          minify,
          comments: false,
          postBanner: banner ? `${COMPILE_HINT}\n${banner}` : COMPILE_HINT,
        },
      },
    },
  };
}
