// `diffusion-lab report --format csv`: the sweep's comparison as one CSV file (comparisonCsv.ts,
// the rows the Compare tab's Export CSV writes too), replaced atomically.
import * as path from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile';
import { comparisonCsv, type ComparisonCsv } from '../../shared/comparisonCsv';
import { loadStudy, StudyError, type Study } from '../../shared/runReading/loadStudy';
import { studyCsvRuns } from '../../shared/runReading/studyRows';
import { groupByProblem, type GroupBy } from '../../shared/runGroups';

/** Written beside sweep.json unless --out says where. */
export const COMPARISON_CSV_FILE = 'comparison.csv';

export interface WrittenCsv {
  file: string;
  study: Study;
  csv: ComparisonCsv;
}

export async function writeComparisonCsv(sweepPath: string, options: { groupBy?: GroupBy; out?: string } = {}): Promise<WrittenCsv> {
  const study = await loadStudy(sweepPath);
  const problem = options.groupBy && groupByProblem(options.groupBy, study.variedFields);
  if (problem) throw new StudyError(`--group-by: ${problem}`);
  const csv = comparisonCsv(studyCsvRuns(study), study.variedFields, options.groupBy);
  const file = path.resolve(options.out ?? path.join(study.sweepDir, COMPARISON_CSV_FILE));
  await writeFileAtomic(file, csv.text);
  return { file, study, csv };
}
