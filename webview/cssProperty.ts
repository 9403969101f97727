// Sets a CSS custom property on an element through the CSSOM. Lit's styleMap writes a style
// attribute on first render, which the panel's CSP (no 'unsafe-inline') blocks.
import { nothing } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

class CssPropertyDirective extends Directive {
  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('cssProperty() goes in an element, not an attribute: <span ${cssProperty(...)}>');
  }

  render(_name: string, _value: string): typeof nothing {
    return nothing;
  }

  override update(part: ElementPart, [name, value]: [string, string]): typeof nothing {
    (part.element as HTMLElement).style.setProperty(name, value);
    return nothing;
  }
}

export const cssProperty = directive(CssPropertyDirective);
