/** The element's small stateless templates: toolbar buttons, device pickers, a tile's indicators. */
import { html, nothing, type TemplateResult } from 'lit';

/**
 * A toolbar button. A toggle's label says what it does next ("Unmute"), so it
 * is not also aria-pressed: a screen reader would say "Unmute, pressed".
 * `active` (muted, camera off, sharing) only colours it, through its part
 * `active`: a page can style that (`::part(mute-button active)`), not an attribute.
 */
export function button(part: string, label: string, onClick: () => unknown, active = false, disabled = false): TemplateResult {
  return html`<button part="${part}${active ? ' active' : ''}" ?disabled=${disabled} @click=${onClick}>${label}</button>`;
}

/** A device picker, only when there is a choice to make; with no `current` device it shows `none`. */
export function picker(property: string, label: string, devices: MediaDeviceInfo[], current: string | undefined, none: string, disabled: boolean, pick: (deviceId: string) => void): TemplateResult | typeof nothing {
  if (devices.length < 2) return nothing;
  return html`<select part="${property}-select" aria-label=${label} ?disabled=${disabled} @change=${(e: Event) => pick((e.target as HTMLSelectElement).value)}>
    ${current ? nothing : html`<option value="" disabled selected>${none}</option>`}
    ${devices.map((d, i) => html`<option value=${d.deviceId} ?selected=${d.deviceId === current}>${d.label || `${label} ${i + 1}`}</option>`)}
  </select>`;
}

/** Outlines (SVG path data, 24×24) of the devices a tile's indicators show. */
export const MICROPHONE = 'M9 5a3 3 0 0 1 6 0v6a3 3 0 0 1-6 0ZM5 11a7 7 0 0 0 14 0m-7 7v4';
export const CAMERA = 'M2 6h14v12H2Zm14 4 6-3v10l-6-3';

/**
 * A device of the person's that is off (muted, camera off), struck through. Drawn as SVG
 * rather than emoji: a system without an emoji font draws an emoji as an empty box.
 */
export function offIndicator(part: string, label: string, outline: string): TemplateResult {
  return html`<svg part=${part} role="img" aria-label=${label} viewBox="0 0 24 24"><path d="${outline}M3 3l18 18"/></svg>`;
}
