// Notes markdown to DOM for the preview: marked renders, DOMPurify removes anything that
// could run (scripts, event handlers, javascript: links). Relative image links resolve
// against the notes file's folder, so figures of the run show up; images from anywhere else
// would be refused by the panel's CSP (img-src), so they become a line saying so.
import DOMPurify, { type Config } from 'dompurify';
import { marked } from 'marked';
import { cspQuietHtml } from './cspQuietHtml';

/** Set on an <img> the preview does not load; its element is then replaced by a note. */
const REMOTE_SRC = 'data-remote-src';

let baseUri = '';

/** Scheme and host of a URL: the part the CSP's img-src compares. */
function origin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'IMG') {
    const src = node.getAttribute('src');
    if (src && !src.startsWith('data:')) {
      const base = baseUri || document.baseURI;
      try {
        const url = new URL(src, base);
        if (origin(url) === origin(new URL(base))) {
          if (baseUri) node.setAttribute('src', url.toString());
        } else {
          node.setAttribute(REMOTE_SRC, src);
          node.removeAttribute('src');
        }
      } catch {
        node.removeAttribute('src'); // not a URL even against the base: no image rather than a broken one
      }
    }
  }
  if (node.tagName === 'A') node.setAttribute('rel', 'noopener');
});

const PURIFY = {
  USE_PROFILES: { html: true },
  // Media and srcset load from anywhere (media-src 'none'); background and style attributes, too.
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'audio', 'video', 'source', 'track'],
  FORBID_ATTR: ['style', 'srcset', 'background'],
  RETURN_DOM_FRAGMENT: true,
} satisfies Config & { RETURN_DOM_FRAGMENT: true };

/**
 * The preview as nodes in a <div>, not HTML text: lit puts them in the page as they are, where
 * parsing the sanitised text again would be a second parse to trust.
 */
export function renderMarkdown(text: string, notesBaseUri: string | undefined): HTMLDivElement {
  baseUri = notesBaseUri ?? '';
  const html = marked.parse(text, { async: false, gfm: true }) as string;
  const fragment = DOMPurify.sanitize(cspQuietHtml(html), PURIFY);
  for (const img of fragment.querySelectorAll(`img[${REMOTE_SRC}]`)) {
    const note = img.ownerDocument.createElement('span');
    note.className = 'remote-image';
    note.textContent = `Remote image not shown: ${img.getAttribute(REMOTE_SRC)}`;
    note.title = 'The panel shows images from the run folders only';
    img.replaceWith(note);
  }
  const rendered = document.createElement('div');
  rendered.append(fragment);
  return rendered;
}
