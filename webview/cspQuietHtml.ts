// HTML text that a browser parser reads without CSP checks: no event-handler (on…) or style
// attributes, no <style> elements. Chromium checks the CSP as a parser creates those, in every
// document of the window (DOMParser's, a <template>'s, createHTMLDocument's too): sanitising
// notes with `onerror=` in them reported a violation per attribute, though nothing ran.
//
// Which `<x` is a tag depends on the tree builder (is <style> raw text or an SVG element? does
// a comment hide it?), so every `<letter` is read as a start tag, and the text read again until
// nothing changes: then no start tag the browser can find has such an attribute. Text that only
// looks like a tag loses the attribute too; DOMPurify still decides what is allowed.

const WHITESPACE = new Set(['\t', '\n', '\f', ' ']);
const DROPPED = /^(on|style$)/i;

/** Source ranges [from, to) of the dropped attributes of the start tag opening at `lt`. */
function droppedAttributes(html: string, lt: number): Array<[number, number]> {
  const dropped: Array<[number, number]> = [];
  const n = html.length;
  let i = lt + 1;
  while (i < n && !WHITESPACE.has(html[i]!) && html[i] !== '/' && html[i] !== '>') i++; // tag name
  for (;;) {
    while (i < n && (WHITESPACE.has(html[i]!) || html[i] === '/')) i++;
    if (i >= n || html[i] === '>') return dropped;
    const start = i;
    i++; // the first character is part of the name even when it is '='
    while (i < n && !WHITESPACE.has(html[i]!) && html[i] !== '/' && html[i] !== '>' && html[i] !== '=') i++;
    const name = html.slice(start, i);
    let j = i;
    while (j < n && WHITESPACE.has(html[j]!)) j++;
    if (html[j] === '=') {
      j++;
      while (j < n && WHITESPACE.has(html[j]!)) j++;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        j = close < 0 ? n : close + 1;
      } else {
        while (j < n && !WHITESPACE.has(html[j]!) && html[j] !== '>') j++;
      }
      i = j;
    }
    if (DROPPED.test(name)) dropped.push([start, i]);
  }
}

/**
 * `html` with those attributes removed and <style> renamed <noembed>: raw text to the parser
 * just the same (so what follows parses as before), and dropped with its content by DOMPurify.
 */
export function cspQuietHtml(html: string): string {
  let text = html.replace(/\r\n?/g, '\n').replace(/<(\/?)style(?=[\t\n\f />]|$)/gi, '<$1noembed');
  for (;;) {
    const dropped: Array<[number, number]> = [];
    for (let lt = text.indexOf('<'); lt >= 0; lt = text.indexOf('<', lt + 1)) {
      if (/[A-Za-z]/.test(text[lt + 1] ?? '')) dropped.push(...droppedAttributes(text, lt));
    }
    if (dropped.length === 0) return text;
    const inDropped = new Uint8Array(text.length);
    for (const [from, to] of dropped) inDropped.fill(1, from, to);
    let next = '';
    for (let i = 0; i < text.length; i++) {
      if (!inDropped[i]) next += text[i];
      else if (i === 0 || !inDropped[i - 1]) next += ' '; // so the text either side is not joined into a new name
    }
    text = next;
  }
}
