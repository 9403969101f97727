// Notes markdown to HTML for the preview: marked renders, DOMPurify removes anything that
// could run (scripts, event handlers, javascript: links). Relative image links resolve
// against the notes file's folder, so figures of the run show up.
import DOMPurify from 'dompurify';
import { marked } from 'marked';

let baseUri = '';

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'IMG') {
    const src = node.getAttribute('src');
    if (src && baseUri && !/^[a-z][a-z0-9+.-]*:/i.test(src)) {
      try {
        node.setAttribute('src', new URL(src, baseUri).toString());
      } catch {
        node.removeAttribute('src'); // not a URL even against the base: no image rather than a broken one
      }
    }
  }
  if (node.tagName === 'A') node.setAttribute('rel', 'noopener');
});

export function renderMarkdown(text: string, notesBaseUri: string | undefined): string {
  baseUri = notesBaseUri ?? '';
  const html = marked.parse(text, { async: false, gfm: true }) as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button'] });
}
