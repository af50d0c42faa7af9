/**
 * Turning a raw WebSocket frame into a checked ClientMessage.
 *
 * Cheap checks come first (size, frame kind, JSON), then we dispatch on `type`
 * and run only that message's compiled schema: one compiled checker per type
 * is both faster than checking the whole union and lets the error name the
 * exact field that is wrong.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { ValueError } from '@sinclair/typebox/errors';
import { clientMessageSchemas, type ClientMessage } from '../src/protocol/messages.js';
import { ProtocolError } from './errors.js';

/** A Map, not the schema object, so `type: "constructor"` cannot hit Object.prototype. */
const checkers = new Map<string, TypeCheck<TSchema>>(
  Object.entries(clientMessageSchemas).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
);
const knownTypes = [...checkers.keys()].join(', ');

/** Size, frame kind and JSON: everything that can be judged without knowing the message type. */
export function parse(frame: Buffer, isBinary: boolean, maxBytes: number): Record<string, unknown> {
  // Measured on the bytes, before decoding, so a huge frame costs no parsing.
  if (frame.length > maxBytes) {
    throw new ProtocolError('too-large', `frame is ${frame.length} bytes; the limit is ${maxBytes}`);
  }
  if (isBinary) throw new ProtocolError('bad-json', 'binary frames are not accepted; send JSON text');
  let value: unknown;
  try {
    value = JSON.parse(frame.toString());
  } catch {
    throw new ProtocolError('bad-json', 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('bad-json', 'frame must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * A union's own error says only "Expected union value": for a candidate with
 * a field too many, the error of the variant that got furthest into it
 * ("candidate.evil": unexpected) says what is wrong.
 */
function telling(error: ValueError | undefined): ValueError | undefined {
  const inner = error?.errors.flatMap((variant) => variant.First() ?? []).sort((a, b) => b.path.length - a.path.length)[0];
  return inner ? telling(inner) : error;
}

/** Checks a parsed object against the schema for its `type`. */
export function validate(value: Record<string, unknown>): ClientMessage {
  const type = value.type;
  const checker = typeof type === 'string' ? checkers.get(type) : undefined;
  if (!checker) {
    throw new ProtocolError('bad-message', `"type" must be one of: ${knownTypes}`);
  }
  if (!checker.Check(value)) {
    const error = telling(checker.Errors(value).First());
    const field = error?.path.slice(1).replaceAll('/', '.') || '(message)';
    throw new ProtocolError('bad-message', `${type}: field "${field}": ${error?.message ?? 'invalid'}`);
  }
  const message = value as ClientMessage;
  // The one rule a JSON schema cannot say without an unreadable oneOf.
  if (message.type === 'candidate' && (message.to === undefined) === (message.offerId === undefined)) {
    throw new ProtocolError('bad-message', 'candidate: needs exactly one of "to" or "offerId"');
  }
  return message;
}
