/**
 * WTR server command for what a test page keeps in its JS heap, read from a
 * heap snapshot over CDP (so Chromium only):
 *   heap-strings {prefix} → {count}   the strings the page still holds that start with `prefix`
 * A snapshot collects garbage first, so only what something still holds counts.
 */
export function heapPlugin() {
  return {
    name: 'p2p-call:heap',
    async executeCommand({ command, payload, session }) {
      if (command !== 'heap-strings') return undefined;
      const page = session.browser.getPage(session.id);
      const cdp = await page.context().newCDPSession(page);
      try {
        const chunks = [];
        cdp.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => chunks.push(chunk));
        await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
        return { count: countStrings(JSON.parse(chunks.join('')), payload.prefix) };
      } finally {
        await cdp.detach();
      }
    },
  };
}

/** Nodes of a V8 heap snapshot that are strings (flat, concatenated or sliced) starting with `prefix`. */
function countStrings({ snapshot: { meta }, nodes, strings }, prefix) {
  const fields = meta.node_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const types = meta.node_types[typeAt];
  let count = 0;
  for (let i = 0; i < nodes.length; i += fields) {
    if (types[nodes[i + typeAt]].endsWith('string') && strings[nodes[i + nameAt]].startsWith(prefix)) count++;
  }
  return count;
}
