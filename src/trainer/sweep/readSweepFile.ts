// Reads a sweep file from disk and checks it (src/shared/sweepChecks).
import { readFileSync } from 'node:fs';
import type { SweepSpec } from '../../shared/sweepSpec';
import { checkSweepText, parseSweepJson, type SweepCheck, type SweepCheckOptions } from '../../shared/sweepChecks/checkSweepText';
import { SweepError } from '../../shared/sweepChecks/sweepProblem';
import { validateSweepSpec } from '../../shared/sweepChecks/validateSweepSpec';

/** Reads, parses and validates a sweep file (its shape, not its runs); throws SweepError. */
export function readSweepFile(file: string): SweepSpec {
  const parsed = parseSweepJson(readSweepText(file));
  if ('problem' in parsed) throw new SweepError(file, [parsed.problem]);
  return validateSweepSpec(parsed.value, file);
}

/** Reads the file and runs every check Run Sweep makes; throws SweepError only when it cannot be read. */
export function checkSweepFile(file: string, options: SweepCheckOptions = {}): SweepCheck {
  return checkSweepText(readSweepText(file), file, options);
}

function readSweepText(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SweepError(file, [`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  return text;
}
