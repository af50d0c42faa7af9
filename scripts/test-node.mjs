#!/usr/bin/env node
// npm run test:node — Node 20's `node --test` does not expand globs, so find the files here:
// every *.test.ts under test/node/ and test/e2e/ (or under the folders given as arguments).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['test/node', 'test/e2e'];
const files = dirs
  .filter((d) => existsSync(d))
  .flatMap((d) => readdirSync(d, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name)))
  .sort();
if (!files.length) {
  console.error(`no *.test.ts under ${dirs.join(', ')}`);
  process.exit(1);
}
const { status, signal } = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', ...files],
  { stdio: 'inherit' },
);
process.exit(status ?? (signal ? 1 : 0));
