import path from 'node:path';

// Read by `cem analyze` (run from scripts/build.mjs). Output: ./custom-elements.json (generated, gitignored).

/**
 * The analyzer lists every entry of Lit's `static properties` as an
 * attribute, `{ state: true }` ones too, and editors then offer people
 * attributes that do nothing (`left`, `announcement`…). Collect the state
 * properties while reading the sources, and drop their attributes at the end.
 */
function litStateIsNoAttribute() {
  const stateFields = new Map(); // class name → field names
  return {
    name: 'p2p-call:lit-state-is-no-attribute',
    analyzePhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      for (const member of node.members) {
        const initializer = ts.isPropertyDeclaration(member) && member.name.getText() === 'properties' && member.initializer;
        if (!initializer || !ts.isObjectLiteralExpression(initializer)) continue;
        const state = initializer.properties
          .filter((p) => ts.isPropertyAssignment(p) && /\bstate:\s*true\b/.test(p.initializer.getText()))
          .map((p) => p.name.getText());
        stateFields.set(node.name.getText(), new Set(state));
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules)
        for (const declaration of module.declarations ?? []) {
          const state = stateFields.get(declaration.name);
          if (state && declaration.attributes)
            declaration.attributes = declaration.attributes.filter((a) => !state.has(a.fieldName));
        }
    },
  };
}

/**
 * The analyzer reads src/*.ts, but the package ships dist/esm/src/*.js, and
 * tools that follow the manifest (to import the class, or link the tag to its
 * declaration) need paths that exist in it. References come relative
 * (`./p2p-call/events.js`), rooted (`/src/…`) or as read (`src/….ts`): all
 * become the shipped file. Private members (`#field`, Lit state) are no API.
 */
function describeTheShippedFiles() {
  const shipped = (ref, from) => {
    const inSrc = ref.startsWith('.') ? path.posix.join(path.posix.dirname(from), ref) : ref.replace(/^\//, '');
    return `dist/esm/${inSrc.replace(/\.[jt]s$/, '.js')}`;
  };
  const relink = (node, from) => {
    if (Array.isArray(node)) node.forEach((item) => relink(item, from));
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) {
        if (key === 'module' && typeof value === 'string') node.module = shipped(value, from);
        else relink(value, from);
      }
  };
  return {
    name: 'p2p-call:describe-the-shipped-files',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? [])
          if (declaration.members) declaration.members = declaration.members.filter((m) => m.privacy !== 'private' && !m.name.startsWith('#'));
        relink(module, module.path);
        module.path = shipped(module.path, module.path);
      }
    },
  };
}

/**
 * A field set from an exported constant (`this.maxPeers = DEFAULT_MAX_PEERS`)
 * gets that constant's name as its default; editors show the default to people
 * who never see our source, so show the constant's value instead.
 */
function constantsAsValues() {
  return {
    name: 'p2p-call:constants-as-values',
    packageLinkPhase({ customElementsManifest }) {
      const declarations = customElementsManifest.modules.flatMap((module) => module.declarations ?? []);
      const values = new Map(declarations.filter((d) => d.kind === 'variable' && d.default).map((d) => [d.name, d.default]));
      for (const declaration of declarations)
        for (const field of [...(declaration.members ?? []), ...(declaration.attributes ?? [])])
          if (values.has(field.default)) field.default = values.get(field.default);
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/**/*.d.ts'],
  outdir: '.',
  litelement: true,
  // package.json already has "customElements": "custom-elements.json"; never rewrite it.
  packagejson: false,
  plugins: [litStateIsNoAttribute(), constantsAsValues(), describeTheShippedFiles()],
};
