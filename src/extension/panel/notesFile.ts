// A notes.md the panel edits: read, saved atomically unless it changed on disk since the
// version the webview last saw, and watched for edits made elsewhere (a text editor, git).
import { createHash } from 'node:crypto';
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile';

export type SaveResult = { kind: 'saved'; version: string } | { kind: 'conflict'; text: string; version: string };

export function versionOf(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}

export class NotesFile {
  /** The version on disk as this process last read or wrote it. */
  private known: string | undefined;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(readonly file: string) {}

  /** The text, or '' when the file does not exist yet (the first save creates it); throws when it cannot be read. */
  async read(): Promise<{ text: string; version: string }> {
    const text = await readIfPresent(this.file);
    this.known = versionOf(text);
    return { text, version: this.known };
  }

  async save(text: string, baseVersion: string, force = false): Promise<SaveResult> {
    const disk = await readIfPresent(this.file);
    const diskVersion = versionOf(disk);
    if (!force && diskVersion !== baseVersion && disk !== text) return { kind: 'conflict', text: disk, version: diskVersion };
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, text);
    this.known = versionOf(text);
    return { kind: 'saved', version: this.known };
  }

  /** Calls back with the new text whenever the file changes other than by save(). */
  watch(onChange: (doc: { text: string; version: string }) => void): void {
    const check = async () => {
      const text = await fs.readFile(this.file, 'utf8').catch(() => undefined); // gone or unreadable: nothing new to show; a save says why
      if (text === undefined) return;
      const version = versionOf(text);
      if (version === this.known) return;
      this.known = version;
      onChange({ text, version });
    };
    try {
      // The folder, not the file: an atomic save replaces the file and a file watch would go deaf.
      this.watcher = watch(path.dirname(this.file), (_event, name) => {
        if (name === null || name === path.basename(this.file)) void check();
      });
      this.watcher.on('error', () => undefined); // a watch that fails leaves the poll below
    } catch {
      // no folder yet; the poll below still notices
    }
    this.poll = setInterval(() => void check(), 2000);
  }

  dispose(): void {
    this.watcher?.close();
    clearInterval(this.poll);
  }
}

/** '' for a file that does not exist; any other failure is thrown, so an unreadable file is never taken for an empty one and saved over. */
async function readIfPresent(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
