/**
 * The package as people install it: what package.json and custom-elements.json
 * point at exists in the files npm ships, and the types compile in a project
 * that has only our dependencies (no devDependencies, no transitive ones).
 * Needs `npm run build` first (npm test does it).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../e2e/helpers.js';

const read = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
const pkg = read('package.json');
/** In the tarball: under package.json's `files`, or package.json itself (npm always packs it). */
const shipped = (file: string) =>
  ['package.json', ...pkg.files].some((entry) => file === entry || file.startsWith(`${entry}/`)) && existsSync(path.join(ROOT, file));

describe('package', { skip: !existsSync(path.join(ROOT, 'dist/esm')) && 'run `npm run build` first' }, () => {
  it('every export is a shipped file, and every JavaScript one has its types', () => {
    for (const [name, target] of Object.entries(pkg.exports as Record<string, string | Record<string, string>>)) {
      const files = typeof target === 'string' ? { default: target } : target;
      for (const file of Object.values(files)) assert.ok(shipped(path.normalize(file)), `${name}: ${file} is not in the package`);
      if (files.default.endsWith('.js')) assert.ok(files.types, `${name}: no types`);
    }
  });

  // @types/ws (which brings @types/node) is an optional peer: installed with ours, TypeScript 5 would load Node's
  // globals into every browser project (setTimeout returning a Timeout), for the relay's types only.
  it('the types import only packages a user gets with ours, each with its types (ws’s: an optional peer)', () => {
    const declarations = readdirSync(path.join(ROOT, 'dist/esm'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'));
    const imported = new Set(
      declarations.flatMap((file) =>
        [...readFileSync(path.join(ROOT, 'dist/esm', file), 'utf8').matchAll(/(?:from |import\()['"]([^'".][^'"]*)['"]/g)].map((m) => m[1]!),
      ),
    );
    const bare = [...imported].filter((name) => !name.startsWith('node:')).map((name) => name.match(/^(@[^/]+\/)?[^/]+/)![0]);
    assert.ok(bare.length > 0, 'found no imports: is the pattern still right?');
    for (const name of new Set(bare)) {
      assert.ok(pkg.dependencies[name], `${name}: imported by our types but not a dependency`);
      const own = read(`node_modules/${name}/package.json`);
      const typed = own.types || own.typings || JSON.stringify(own.exports ?? {}).includes('"types"');
      const typesPackage = `@types/${name}`;
      const optionalPeer = pkg.peerDependencies?.[typesPackage] && pkg.peerDependenciesMeta?.[typesPackage]?.optional;
      assert.ok(typed || pkg.dependencies[typesPackage] || optionalPeer, `${name}: has no types of its own, and ${typesPackage} is neither a dependency nor an optional peer`);
    }
  });

  it('custom-elements.json describes the shipped files, and only the public API', () => {
    const manifest = read('custom-elements.json');
    const paths = new Set<string>(manifest.modules.map((m: { path: string }) => m.path));
    for (const file of paths) assert.ok(shipped(file), `manifest module ${file} is not in the package`);
    const references = JSON.stringify(manifest).matchAll(/"module":"([^"]+)"/g);
    for (const [, module] of references) assert.ok(paths.has(module!), `a reference to ${module}, which the manifest does not list`);

    const modules = manifest.modules as { path: string; declarations?: Record<string, any>[]; exports?: Record<string, any>[] }[];
    const definition = modules.flatMap((m) => m.exports ?? []).find((e) => e.kind === 'custom-element-definition' && e.name === 'p2p-call');
    const declared = modules.find((m) => m.path === definition?.declaration.module)?.declarations?.find((d) => d.name === definition?.declaration.name);
    assert.equal(declared?.tagName, 'p2p-call', '<p2p-call> is linked to the class that declares it');

    assert.deepEqual(declared.members.filter((m: { name: string; privacy?: string }) => m.privacy === 'private' || m.name.startsWith('#')), []);
    assert.deepEqual(declared.events.filter((e: { type?: unknown }) => !e.type).map((e: { name: string }) => e.name), [], 'events with no type');
    assert.deepEqual(declared.cssProperties.filter((p: { default?: string }) => !p.default).map((p: { name: string }) => p.name), [], 'CSS properties with no default');
    // A default that names one of our constants means nothing to someone who reads it in an editor.
    const named = declared.attributes.filter((a: { default?: string }) => /^[A-Z][A-Z_]+$/.test(a.default ?? ''));
    assert.deepEqual(named.map((a: { name: string; default: string }) => `${a.name}=${a.default}`), [], 'attribute defaults that name a constant');
  });
});
