/**
 * Why the browser refuses these ICE servers, if it does: a TURN URL without
 * username or credential, a scheme or a URL it cannot parse (`turn://…`).
 * Asked of a throwaway RTCPeerConnection, which checks its servers at
 * construction: given to a real one, they would make it throw.
 */
export function iceServersRefusal(iceServers: RTCIceServer[]): string | undefined {
  try {
    new RTCPeerConnection({ iceServers }).close();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
