// Chart colours from VS Code's theme variables (canvas cannot use CSS variables directly),
// and a notice when the person switches theme (VS Code changes the body's class).

export interface ChartTheme {
  foreground: string;
  grid: string;
  /** Dashes for grid lines: in high contrast themes the grid has the border colour, as strong as the data, so it is dashed. */
  gridDash: number[] | undefined;
  font: string;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export function chartTheme(): ChartTheme {
  const family = cssVar('--vscode-font-family', 'sans-serif');
  const size = cssVar('--vscode-font-size', '13px');
  return {
    foreground: cssVar('--vscode-descriptionForeground', cssVar('--vscode-foreground', '#888')),
    grid: cssVar('--vscode-editorWidget-border', cssVar('--vscode-widget-border', 'rgba(128,128,128,0.25)')),
    gridDash: document.body.classList.contains('vscode-high-contrast') ? [2, 4] : undefined,
    font: `${parseFloat(size) - 1 || 12}px ${family}`,
  };
}

export function onThemeChange(callback: () => void): () => void {
  const observer = new MutationObserver(() => callback());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  return () => observer.disconnect();
}
