/**
 * Forwarding without re-serialising.
 *
 * A forwarded message is the sender's own frame with `"from":"<id>",` spliced
 * in after its opening brace. Relay throughput is dominated by candidates and
 * descriptions passing through, so we copy bytes instead of running
 * JSON.stringify on an SDP for every hop. The splice is safe because the frame
 * has already been parsed as a JSON object (so its first non-blank byte is
 * `{`) and the schemas reject a client-sent `from` (so the key is never
 * duplicated).
 */

/** Built once per membership: `{"from":"<id>",`. */
export function fromPrefix(peer: string): Buffer {
  return Buffer.from(`{"from":${JSON.stringify(peer)},`);
}

/** `prefix` + the frame after its `{`, skipping the JSON whitespace JSON.parse allowed before it. */
export function withFrom(prefix: Buffer, frame: Buffer): Buffer {
  let start = 0;
  while (isJsonSpace(frame[start])) start++;
  return Buffer.concat([prefix, frame.subarray(start + 1)]);
}

function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
