// Components render into the light DOM: one stylesheet (dist/webview.css, served under the
// panel's CSP) styles them all, uPlot's own CSS included.
import { LitElement } from 'lit';

export class LightElement extends LitElement {
  protected override createRenderRoot(): HTMLElement {
    return this;
  }
}
