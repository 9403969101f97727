// CSV as RFC 4180 writes it: fields with a comma, a double quote, CR or LF are quoted (a quote
// doubled), lines end with CRLF, UTF-8 without a byte-order mark. Python's csv module (open()
// with its defaults) and pandas.read_csv read it with no options; a BOM would become part of
// the first column's name in csv.reader.

/** A cell: text as is, a number at full precision (the shortest text that reads back the same), empty when absent. */
export type CsvCell = string | number | boolean | undefined;

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(cell: CsvCell): string {
  if (cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = String(cell);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header, then one line per row; every line (the last too) ends with CRLF. */
export function csvText(header: readonly string[], rows: ReadonlyArray<readonly CsvCell[]>): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',') + '\r\n').join('');
}
