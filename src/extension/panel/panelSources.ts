// Which runs a panel shows and where its notes live, from the run directory layout alone:
// a sweep's runs are the ones its sweep.json lists (new ones appear when it is rewritten).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PanelTarget } from '../../shared/panelMessages';
import { RUN_FILES, isRunId } from '../../shared/runDirectory';
import { SWEEP_FILES, type ResolvedSweepFile } from '../../shared/sweepSpec';
import type { RunPlace } from './runSummary';
import { sweepBaseConfig } from '../../shared/runReading/loadStudy';

export interface PanelSources {
  title: string;
  variedFields: string[];
  runs: RunPlace[];
  /** The notes.md the Notes tab edits: the sweep's or the run's. */
  notesFile: string;
  /** The output directory (holds runs/ and sweeps/): the webview may load images from it. */
  outDir: string;
}

export async function readPanelSources(target: PanelTarget): Promise<PanelSources> {
  if (target.kind === 'run') {
    const runId = path.basename(target.runDir);
    return {
      title: runId, variedFields: [], runs: [{ runId, dir: target.runDir, colorIndex: 0, varied: {} }],
      notesFile: path.join(target.runDir, RUN_FILES.notes), outDir: path.dirname(path.dirname(target.runDir)),
    };
  }
  const outDir = path.dirname(path.dirname(target.sweepDir));
  const file = path.join(target.sweepDir, SWEEP_FILES.resolved);
  let sweep: Partial<ResolvedSweepFile> = {};
  try {
    sweep = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<ResolvedSweepFile>;
  } catch {
    // being rewritten, or gone: show the sweep with no runs until it reads again
  }
  const { base } = sweepBaseConfig(sweep.spec?.base, file);
  const runs = (Array.isArray(sweep.runs) ? sweep.runs : [])
    .filter((r) => isRunId(r?.runId))
    .map((r, i): RunPlace => ({
      runId: r.runId, dir: path.join(outDir, 'runs', r.runId), colorIndex: i, varied: isRecord(r.varied) ? r.varied : {},
      base, ...(typeof r.repeat === 'number' ? { repeat: r.repeat } : {}),
    }));
  return {
    title: typeof sweep.name === 'string' ? sweep.name : path.basename(target.sweepDir),
    variedFields: Array.isArray(sweep.variedFields) ? sweep.variedFields.map(String) : [],
    runs, notesFile: path.join(target.sweepDir, RUN_FILES.notes), outDir,
  };
}

/** A stable key for a target: one panel per run or sweep. */
export function targetKey(target: PanelTarget): string {
  return target.kind === 'run' ? `run:${path.resolve(target.runDir)}` : `sweep:${path.resolve(target.sweepDir)}`;
}

/** The target whose notes.md this is, if it is a run's or a sweep's. */
export function targetOfNotesFile(file: string): PanelTarget | undefined {
  if (path.basename(file) !== RUN_FILES.notes) return undefined;
  const dir = path.dirname(file);
  const parent = path.basename(path.dirname(dir));
  if (parent === 'runs') return { kind: 'run', runDir: dir };
  if (parent === 'sweeps') return { kind: 'sweep', sweepDir: dir };
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
