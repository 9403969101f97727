// A focused check of nbformat 4.5's structure (the parts of the official JSON schema that a
// writer can get wrong): returns what is wrong, in words, so a failing test says where.

const CELL_KEYS = {
  markdown: ['id', 'cell_type', 'metadata', 'source', 'attachments'],
  raw: ['id', 'cell_type', 'metadata', 'source', 'attachments'],
  code: ['id', 'cell_type', 'metadata', 'source', 'outputs', 'execution_count'],
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMultiline = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));

function mimeBundleErrors(bundle: unknown, where: string): string[] {
  if (!isObject(bundle)) return [`${where}: must be an object of mime type -> data`];
  return Object.entries(bundle).flatMap(([mime, data]) => {
    if (!/^[a-z]+\/[A-Za-z0-9.+-]+$/.test(mime)) return [`${where}: "${mime}" is not a mime type`];
    if (mime.endsWith('json')) return [];
    return isMultiline(data) ? [] : [`${where}["${mime}"]: must be a string or a list of strings`];
  });
}

function outputErrors(output: unknown, where: string): string[] {
  if (!isObject(output)) return [`${where}: must be an object`];
  switch (output.output_type) {
    case 'display_data':
      return [...mimeBundleErrors(output.data, `${where}.data`), ...(isObject(output.metadata) ? [] : [`${where}.metadata: must be an object`])];
    case 'execute_result':
      return [
        ...mimeBundleErrors(output.data, `${where}.data`),
        ...(isObject(output.metadata) ? [] : [`${where}.metadata: must be an object`]),
        ...(output.execution_count === null || (Number.isInteger(output.execution_count) && (output.execution_count as number) >= 0)
          ? [] : [`${where}.execution_count: must be null or a non-negative integer`]),
      ];
    case 'stream':
      return [
        ...(output.name === 'stdout' || output.name === 'stderr' ? [] : [`${where}.name: must be stdout or stderr`]),
        ...(isMultiline(output.text) ? [] : [`${where}.text: must be a string or a list of strings`]),
      ];
    case 'error':
      return typeof output.ename === 'string' && typeof output.evalue === 'string' && Array.isArray(output.traceback)
        ? [] : [`${where}: an error output needs ename, evalue and traceback`];
    default:
      return [`${where}.output_type: unknown "${String(output.output_type)}"`];
  }
}

export function notebookStructureErrors(nb: unknown): string[] {
  if (!isObject(nb)) return ['the notebook must be a JSON object'];
  const errors: string[] = [];
  for (const key of Object.keys(nb)) {
    if (!['nbformat', 'nbformat_minor', 'metadata', 'cells'].includes(key)) errors.push(`unknown top-level key "${key}"`);
  }
  if (nb.nbformat !== 4) errors.push(`nbformat must be 4, got ${JSON.stringify(nb.nbformat)}`);
  if (!Number.isInteger(nb.nbformat_minor) || (nb.nbformat_minor as number) < 5) {
    errors.push(`nbformat_minor must be an integer >= 5 (cell ids), got ${JSON.stringify(nb.nbformat_minor)}`);
  }
  if (!isObject(nb.metadata)) {
    errors.push('metadata must be an object');
  } else {
    const { kernelspec, language_info: languageInfo } = nb.metadata;
    if (kernelspec !== undefined && !(isObject(kernelspec) && typeof kernelspec.name === 'string' && typeof kernelspec.display_name === 'string')) {
      errors.push('metadata.kernelspec needs string name and display_name');
    }
    if (languageInfo !== undefined && !(isObject(languageInfo) && typeof languageInfo.name === 'string')) {
      errors.push('metadata.language_info needs a string name');
    }
  }
  if (!Array.isArray(nb.cells)) return [...errors, 'cells must be a list'];
  const ids = new Set<string>();
  nb.cells.forEach((cell: unknown, i: number) => {
    const where = `cells[${i}]`;
    if (!isObject(cell)) {
      errors.push(`${where}: must be an object`);
      return;
    }
    const type = cell.cell_type as keyof typeof CELL_KEYS;
    if (!(type in CELL_KEYS)) {
      errors.push(`${where}.cell_type: unknown "${String(cell.cell_type)}"`);
      return;
    }
    for (const key of Object.keys(cell)) {
      if (!(CELL_KEYS[type] as readonly string[]).includes(key)) errors.push(`${where}: key "${key}" is not allowed in a ${type} cell`);
    }
    if (typeof cell.id !== 'string' || !/^[a-zA-Z0-9-_]{1,64}$/.test(cell.id)) {
      errors.push(`${where}.id: must be 1-64 letters, digits, - or _, got ${JSON.stringify(cell.id)}`);
    } else if (ids.has(cell.id)) {
      errors.push(`${where}.id: "${cell.id}" is not unique`);
    } else {
      ids.add(cell.id);
    }
    if (!isObject(cell.metadata)) errors.push(`${where}.metadata: must be an object`);
    if (!isMultiline(cell.source)) errors.push(`${where}.source: must be a string or a list of strings`);
    if (cell.attachments !== undefined) {
      if (!isObject(cell.attachments)) errors.push(`${where}.attachments: must be an object`);
      else for (const [name, bundle] of Object.entries(cell.attachments)) errors.push(...mimeBundleErrors(bundle, `${where}.attachments["${name}"]`));
    }
    if (type === 'code') {
      if (!(cell.execution_count === null || (Number.isInteger(cell.execution_count) && (cell.execution_count as number) >= 0))) {
        errors.push(`${where}.execution_count: must be null or a non-negative integer`);
      }
      if (!Array.isArray(cell.outputs)) errors.push(`${where}.outputs: must be a list`);
      else cell.outputs.forEach((o: unknown, k: number) => errors.push(...outputErrors(o, `${where}.outputs[${k}]`)));
    }
  });
  return errors;
}

/** A cell's source as one string, whichever form it is stored in. */
export function cellText(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}
