// The panel's page: the bundled webview script and stylesheet under a strict content
// security policy (no remote resources, no eval, scripts only with this page's nonce). The
// page has a line of text of its own, so that it paints while the script is still compiled.
import { randomBytes } from 'node:crypto';

export interface PanelPageParts {
  /** webview.cspSource: the origin webview URIs are served from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

export function panelHtml({ cspSource, scriptUri, styleUri, title }: PanelPageParts): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeAttribute(styleUri)}">
<title>${escapeText(title)}</title>
</head>
<body>
<dl-app><div class="loading">Reading the run directory…</div></dl-app>
<script nonce="${nonce}" src="${escapeAttribute(scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
