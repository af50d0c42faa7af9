/**
 * @web/test-runner sends each failure's `actual` and `expected` to Node by
 * structured clone, which throws on DOM nodes and live objects such as a
 * MediaStream (modernweb-dev/web#2967). An expectation that failed on an
 * element then hung its whole test file until testsFinishTimeout, with no
 * message. So after each test, such values are replaced by a description.
 * Imported for its effect by helpers.ts, so every test file that uses it has it.
 */
function describeValue(value: unknown): string {
  if (!(value instanceof Element)) return Object.prototype.toString.call(value);
  const part = value.getAttribute('part');
  return `<${value.localName}${part ? ` part="${part}"` : ''}>`;
}

afterEach(function () {
  const failure = (this as { currentTest?: { err?: { actual?: unknown; expected?: unknown } } }).currentTest?.err;
  if (!failure) return;
  for (const key of ['actual', 'expected'] as const) {
    try {
      structuredClone(failure[key]);
    } catch {
      failure[key] = describeValue(failure[key]);
    }
  }
});
