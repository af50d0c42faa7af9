// The floor for a Lit drop-in: the smallest useful Lit element (a reactive property, styles, a
// template), bundled exactly like dist/p2p-call.js (Vite lib mode, Lit inlined, minified).
import { LitElement, css, html } from 'lit';

export class HelloLit extends LitElement {
  static override properties = { name: {} };
  static override styles = css`:host { display: block; }`;
  declare name: string;
  constructor() { super(); this.name = 'world'; }
  override render() { return html`<p>Hello, ${this.name}!</p>`; }
}
customElements.define('hello-lit', HelloLit);
