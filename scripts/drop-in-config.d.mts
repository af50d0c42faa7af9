import type { InlineConfig, PluginOption } from 'vite';

/** See drop-in-config.mjs. */
export const COMPILE_HINT: string;

/** See drop-in-config.mjs. */
export function dropInConfig(options: {
  root: string;
  entry: string;
  outFile?: string;
  plugins?: PluginOption[];
  banner?: string;
  minify?: boolean;
}): InlineConfig;
