// CSV files as a person's Python reads them: csv.reader(open(f)) and pandas.read_csv(f), both
// with no options. The independent reader the CSV export tests check their files against.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export interface PythonCsvReading {
  /** csv.reader's rows, header first. */
  csv: string[][];
  /** pandas' column names. */
  columns: string[];
  /** pandas' rows; a missing (NaN) cell is null. */
  records: Array<Record<string, unknown>>;
}

/**
 * Each file by its path. `more`: Python lines run after reading, which may add entries to `out`
 * (the files are sys.argv[1:]); they come back beside the files as `Extra`.
 */
export function readCsvInPython<Extra extends object = object>(python: string, files: string[], more: string[] = []): Record<string, PythonCsvReading> & Extra {
  const code = [
    'import csv, json, sys, pandas',
    'out = {}',
    'for name in sys.argv[1:]:',
    '    with open(name) as f:',
    '        rows = list(csv.reader(f))',
    '    frame = pandas.read_csv(name)',
    '    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")',
    '    out[name] = {"csv": rows, "columns": list(frame.columns), "records": records}',
    ...more,
    '# numpy scalars as Python ones: repr-exact floats, real booleans',
    'print(json.dumps(out, default=lambda v: v.item()))',
  ].join('\n');
  const r = spawnSync(python, ['-c', code, ...files], { encoding: 'utf8', timeout: 50_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, PythonCsvReading> & Extra;
}
