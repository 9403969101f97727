// Quick fixes for a sweep file's problems: rename a misspelt field to the one it most likely
// meant, replace a value with the nearest valid one (an image size the U-Net can halve, a
// limit). The checker decides the fix (src/shared/sweepChecks); this only applies it.
import * as vscode from 'vscode';
import type { SweepFix } from '../shared/sweepChecks/sweepProblem';

export class SweepQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  /** `fixOf`: the fix of one of this extension's diagnostics in the document, if it has one. */
  constructor(private readonly fixOf: (doc: vscode.TextDocument, diagnostic: vscode.Diagnostic) => SweepFix | undefined) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics.flatMap((diagnostic) => {
      const fix = this.fixOf(doc, diagnostic);
      if (!fix) return [];
      // A key keeps its quotes; a value is written as JSON.
      const replacement = fix.kind === 'rename' ? JSON.stringify(fix.name) : JSON.stringify(fix.value);
      const action = new vscode.CodeAction(fix.kind === 'rename' ? `Rename to ${replacement}` : `Change to ${replacement}`, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(doc.uri, diagnostic.range, replacement);
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      return [action];
    });
  }
}
