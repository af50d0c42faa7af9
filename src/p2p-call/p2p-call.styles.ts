import { unsafeCSS } from 'lit';

/**
 * Lit's `css` tag checks interpolated values at run time; these rules have
 * none, so they go through `unsafeCSS` (which Lit's core bundles anyway) and
 * the tag's code stays out of dist/p2p-call.js. `css` here is just
 * `String.raw`, named so that editors and the build's template minifier
 * treat the text as CSS.
 */
const css = String.raw;

export const styles = unsafeCSS(css`
  :host {
    --_gap: var(--p2p-call-gap, 8px);
    --_radius: var(--p2p-call-radius, 12px);
    --_tile-bg: var(--p2p-call-tile-background, #1d2029);
    --_accent: var(--p2p-call-accent, #3b82f6);
    --_danger: var(--p2p-call-danger, #dc2626);
    /* The browser's own parts (a picker's list of devices, scrollbars) match the theme: dark ones on a light theme are unreadable. */
    color-scheme: var(--p2p-call-color-scheme, dark);
    display: flex;
    flex-flow: column;
    box-sizing: border-box;
    /* None by default: without a height the content sizes it (the videos keep their aspect ratio), and a height set, even a small one, is kept. */
    min-height: var(--p2p-call-min-height, auto);
    padding: var(--_gap);
    border-radius: var(--_radius);
    background: var(--p2p-call-background, #111318);
    color: var(--p2p-call-color, #f2f3f5);
    font: 14px/1.4 system-ui, sans-serif;
    /* A room name or address with no spaces must wrap, not run out of the box. */
    overflow-wrap: anywhere;
  }
  :host([hidden]) {
    display: none;
  }
  /*
   * The layout lives in here, not on the host, because pages often give
   * custom elements display: block. Given a height, it fills it (the stage
   * shrinks to make room for the rest); in a flex host it also fills min-height.
   */
  .call {
    flex: 1;
    display: flex;
    flex-flow: column;
    gap: var(--_gap);
    height: 100%;
    min-height: 0;
    /*
     * With no height, a wide page would make it taller than the screen (a 4:3
     * picture 1264 px wide), the buttons and messages below the fold: the stage
     * shrinks instead. Here, not on the host: a display: block host could not pass it on.
     */
    max-height: calc(var(--p2p-call-max-height, 100dvh) - 2 * var(--_gap));
  }
  .stage {
    position: relative;
    flex: 1;
    display: grid;
    grid-template: minmax(0, 1fr) / minmax(0, 1fr);
    min-height: 0;
  }
  /* The grid fills the stage's one cell, which shrinks with a fixed-height host. */
  .grid {
    min-height: 0;
    display: grid;
    gap: var(--_gap);
    /* One remote fills the box; more reflow into a grid of near-square tiles. */
    grid-template-columns: repeat(auto-fit, minmax(min(100%, var(--p2p-call-tile-min-width, 220px)), 1fr));
    grid-auto-rows: 1fr;
  }
  figure {
    position: relative;
    margin: 0;
    min-height: 0;
    overflow: hidden;
    border-radius: calc(var(--_radius) - 4px);
    background: var(--_tile-bg);
  }
  video {
    display: block;
    width: 100%;
    height: 100%;
    /*
     * The whole picture, with bars where the tile's shape differs from it: a
     * tile as wide as a laptop's screen and as tall as what the toolbar leaves,
     * or a phone's camera held upright, would otherwise lose the top of a head.
     */
    object-fit: var(--p2p-call-video-fit, contain);
    aspect-ratio: var(--p2p-call-aspect-ratio, 4 / 3);
  }
  [part~=local-video] {
    transform: scaleX(-1); /* A mirror is what people expect of themselves. */
  }
  video.screen {
    object-fit: contain; /* Cropping a shared screen would hide its edges, whatever the page set. */
    transform: none;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .pip {
    position: absolute;
    inset-inline-end: calc(var(--_gap) * 1.5);
    bottom: calc(var(--_gap) * 1.5);
    width: var(--p2p-call-self-width, 24%);
    min-width: 96px;
    max-height: 45%;
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.45);
    z-index: 1;
  }
  figcaption {
    position: absolute;
    inset-inline-start: 8px;
    bottom: 8px;
    box-sizing: border-box;
    max-width: calc(100% - 16px);
    display: flex;
    gap: 6px;
    align-items: center;
    padding: 2px 8px;
    border-radius: 999px;
    /* Its text is at least 4.5:1 even over a white picture, whatever --p2p-call-color a light theme sets. */
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 12px;
  }
  /* A long name is cut on one line, so that the tile's indicators stay in view. */
  figcaption > :first-child {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  figcaption svg {
    flex: none;
    height: 1.3em;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
  }
  /* Not connected yet, or being repaired: the picture is not live. */
  [data-state]:not([data-state=connected]) video {
    opacity: 0.4;
  }
  /* A camera that is off or went away leaves its last frame frozen, here or on the wire: show none. */
  [part~=camera-off] video {
    visibility: hidden;
  }
  /* A shared screen is for reading: in a grid, it takes a row of its own, the whole width. */
  .grid [part~=presenting] {
    grid-column: 1 / -1;
  }
  .grid [part~=speaking] {
    outline: 3px solid var(--_accent);
    outline-offset: -3px;
  }
  p {
    margin: 0;
  }
  [part~=status] {
    opacity: 0.8;
  }
  [part~=error] {
    padding: 8px 12px;
    border-radius: calc(var(--_radius) - 4px);
    background: color-mix(in srgb, var(--_danger) 25%, transparent);
    border: 1px solid var(--_danger);
  }
  [part~=controls] {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_gap);
    justify-content: center;
  }
  button,
  select {
    font: inherit;
    color: inherit;
    padding: 8px 14px;
    border: 1px solid var(--p2p-call-control-border, rgb(255 255 255 / 0.15));
    border-radius: 999px;
    background: var(--_tile-bg);
    cursor: pointer;
  }
  /* A picker is as wide as its longest device name, and real ones run long. */
  select {
    max-width: 100%;
    text-overflow: ellipsis;
  }
  /* A finger needs a bigger target than a mouse pointer: 44 px, as WCAG 2.5.5 asks. */
  @media (pointer: coarse) {
    button,
    select {
      min-height: 44px;
    }
  }
  /*
   * On a phone, a picker a line would leave the picture a third of the screen:
   * pickers share lines there, cut to 9em or more. (The viewport's width, not
   * the element's: a container query would make a shrink-to-fit host 0 wide.)
   */
  @media (max-width: 40em) {
    select {
      flex: 1 1 9em;
      min-width: 0;
      max-width: max-content;
    }
  }
  /*
   * Filled: darkened, so that their white text is at least 4.5:1 on the default
   * colours (3.3:1 and 4.4:1 on the plain ones), and white whatever --p2p-call-color is.
   */
  [part~=active],
  [part~=leave-button] {
    color: #fff;
  }
  [part~=active] {
    background: color-mix(in srgb, var(--_accent) 80%, black);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  [part~=leave-button] {
    background: color-mix(in srgb, var(--_danger) 80%, black);
  }
  button:focus-visible,
  select:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
`);
