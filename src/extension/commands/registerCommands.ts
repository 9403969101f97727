// The "Diffusion" commands, by group. Each takes the tree node it was invoked on (context
// menu) or, from the palette, asks which sweep or run is meant. Install GPU Backend and
// Choose Dataset Folder register themselves (installGpuBackend.ts, chooseDatasetFolder.ts).
import * as vscode from 'vscode';
import { browsingCommands } from './browsingCommands';
import type { CommandContext } from './commandContext';
import { environmentCommands } from './environmentCommands';
import { importWeightsCommands } from './importWeightsCommand';
import { runAnnotationCommands } from './runAnnotationCommands';
import { slurmCommands } from './slurmCommands';
import { sweepTemplateCommands } from './sweepTemplateCommands';
import { trainingCommands } from './trainingCommands';

export const COMMAND_IDS = {
  runSweep: 'diffusion.runSweep',
  trainSingleRun: 'diffusion.trainSingleRun',
  stopRun: 'diffusion.stopRun',
  stopSweep: 'diffusion.stopSweep',
  resumeSweep: 'diffusion.resumeSweep',
  openResultsPanel: 'diffusion.openResultsPanel',
  openNotes: 'diffusion.openNotes',
  exportReport: 'diffusion.exportReport',
  compareRuns: 'diffusion.compareRuns',
  deleteRun: 'diffusion.deleteRun',
  revealRunFolder: 'diffusion.revealRunFolder',
  checkEnvironment: 'diffusion.checkEnvironment',
  createSweepFromTemplate: 'diffusion.createSweepFromTemplate',
  runDemo: 'diffusion.runDemo',
  importWeights: 'diffusion.importWeights',
  refresh: 'diffusion.refreshExperiments',
  renameRun: 'diffusion.renameRun',
  starRun: 'diffusion.starRun',
  unstarRun: 'diffusion.unstarRun',
  editRunLabels: 'diffusion.editRunLabels',
  openSlurmLog: 'diffusion.openSlurmLog',
} as const;

export type CommandName = keyof typeof COMMAND_IDS;
type CommandHandler = (...args: never[]) => unknown;

/** Every command's handler by name, which the extension's API hands to the tests. A name without a handler does not compile. */
export function createCommands(c: CommandContext) {
  return {
    ...trainingCommands(c),
    ...browsingCommands(c),
    ...sweepTemplateCommands(c),
    ...environmentCommands(c),
    ...importWeightsCommands(c),
    ...runAnnotationCommands(c),
    ...slurmCommands(c),
  } satisfies Record<CommandName, CommandHandler>;
}

export type DiffusionCommands = ReturnType<typeof createCommands>;

/** Registers each handler under its id; an error thrown in one is shown, not lost. */
export function registerCommands(commands: DiffusionCommands): vscode.Disposable[] {
  return (Object.keys(COMMAND_IDS) as CommandName[]).map((name) => {
    const handler: CommandHandler = commands[name];
    return vscode.commands.registerCommand(COMMAND_IDS[name], async (...args: never[]) => {
      try {
        return await handler(...args);
      } catch (err) {
        void vscode.window.showErrorMessage(`Diffusion: ${(err as Error).message}`);
        return undefined;
      }
    });
  });
}
