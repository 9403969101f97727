// metrics.jsonl, parsed the one way every reader parses it. The file is append-only, so a
// crash can tear only the record being written: a last line with no newline after it. That
// one is dropped quietly; any other line that is not a record is corruption, reported with
// the file and the line number, and the records around it are kept.
import type { MetricRecord } from '../runDirectory';

export interface ParsedMetrics {
  records: MetricRecord[];
  /** `FILE line N: …`, one per corrupt line. */
  problems: string[];
}

export function parseMetricsJsonl(text: string, file: string): ParsedMetrics {
  const records: MetricRecord[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  // After a final newline split() leaves '', so the last element is torn only when it has text.
  const tornIndex = text.endsWith('\n') ? -1 : lines.length - 1;
  lines.forEach((line, i) => {
    const parsed = parseMetricLine(line, file, i + 1);
    if (typeof parsed === 'object') records.push(parsed);
    else if (parsed !== undefined && i !== tornIndex) problems.push(parsed);
  });
  return { records, problems };
}

/** One complete line: its record, undefined for a blank line, or `FILE line N: …` saying why it is not one. */
export function parseMetricLine(line: string, file: string, lineNumber: number): MetricRecord | string | undefined {
  if (!line.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // Reported: the excerpt of the line says more than the parser's position would.
    return `${file} line ${lineNumber}: not JSON (${excerpt(line)})`;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { kind?: unknown }).kind === 'string') {
    return value as MetricRecord;
  }
  return `${file} line ${lineNumber}: not a metrics record (${excerpt(line)})`;
}

function excerpt(line: string): string {
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}
