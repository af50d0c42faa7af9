import type { ErrorCode } from '../src/protocol/messages.js';

/**
 * A client mistake, as opposed to a relay bug. Handlers throw it and the
 * connection turns it into one `error` frame for the sender; the socket and
 * everyone else carry on. Anything else is a relay bug: it is logged and
 * closes only the socket that triggered it (close code 1011).
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
