/**
 * The relay's WebSocket URL for a `server` attribute, or `null` when it
 * cannot name one (`localhost:8787`, `127.0.0.1:8787`: no scheme), so that the
 * element can say so instead of retrying an address that never works.
 *
 * A path on this site (`/relay`, or `//host/relay`) and an http(s) URL name a
 * relay on that web server, as one attached to the page's own server is
 * (`createRelay({ server })`): they become ws(s). Resolved here, against the
 * page, because the join rides in the URL's query, which needs an absolute URL.
 */
export function relayUrl(server: string): string | null {
  if (!/^(wss?|https?):\/\/|^\//i.test(server)) return null;
  try {
    const url = new URL(server, document.baseURI);
    url.protocol = url.protocol.replace('http', 'ws');
    return url.href;
  } catch {
    return null; // `ws://` with no host, say
  }
}
