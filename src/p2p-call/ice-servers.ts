import { iceServersRefusal } from '../negotiation/ice-servers-refusal.js';

/** The `ice-servers` attribute as parsed: a list, or why it is not one. */
export type IceServersValue = RTCIceServer[] | { invalid: string };

/**
 * Lit attribute converter for `ice-servers`. Bad JSON must not throw out of
 * attributeChangedCallback (the page would just see a console error and a
 * call without TURN), so the problem is kept and shown inside the element.
 * (No toAttribute: the property is not reflected, so Lit never calls it.)
 */
export const iceServersConverter = {
  fromAttribute(value: string | null): IceServersValue {
    if (!value) return [];
    try {
      const parsed: unknown = JSON.parse(value);
      const list = Array.isArray(parsed) ? parsed : [parsed];
      if (list.every((s) => s && typeof s === 'object' && 'urls' in s)) return list as RTCIceServer[];
      return { invalid: 'expected an array of {"urls": …} objects' };
    } catch (error) {
      return { invalid: (error as Error).message };
    }
  },
};

const refusals = new WeakMap<RTCIceServer[], string | null>();

/**
 * Why these servers cannot be used, if so: bad JSON, or what the browser says
 * when given them (see iceServersRefusal), kept per list. Checked before the
 * call: otherwise its first connection would throw, out of sight of the page,
 * and the others would be told this person cannot be reached.
 */
export function iceServersProblem(value: IceServersValue): string | undefined {
  if ('invalid' in value) return value.invalid;
  if (!value.length) return undefined;
  if (!refusals.has(value)) refusals.set(value, iceServersRefusal(value) ?? null);
  return refusals.get(value) ?? undefined;
}
