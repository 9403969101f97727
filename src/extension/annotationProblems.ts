// A hand-edited annotations.json that is ignored gets one warning per problem (the file and what
// is wrong), not one at every refresh of the tree; the tree's row keeps a ⚠ marker and the
// tooltip the reason for as long as the file stays so.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../shared/runDirectory';
import type { Experiments } from './experimentsModel';
import type { ExperimentsTree } from './experimentsTree';

export function warnAboutAnnotationProblems(tree: ExperimentsTree): vscode.Disposable {
  let warned = new Set<string>();
  return tree.onDidLoad((x: Experiments) => {
    const runs = [...x.sweeps.flatMap((s) => s.runs), ...x.singleRuns];
    const now = new Set(runs.flatMap((r) => (r.annotationsProblem ? [r.annotationsProblem] : [])));
    const earlier = warned;
    // Forgotten once fixed: the same nonsense typed again later warns again.
    warned = now;
    for (const run of runs) {
      const problem = run.annotationsProblem;
      if (!problem || earlier.has(problem)) continue;
      earlier.add(problem);
      void vscode.window.showWarningMessage(`Diffusion: ${problem}. The run is shown without its name, star and labels.`, 'Open File').then((answer) => {
        if (answer) void vscode.window.showTextDocument(vscode.Uri.file(path.join(run.dir, RUN_FILES.annotations)));
      });
    }
  });
}
