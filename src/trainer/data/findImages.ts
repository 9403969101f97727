// Finds the image files a `--dataset PATH` names: a Stanford Cars folder (torchvision's
// layout or Kaggle's) or any folder searched recursively. The order is a plain code-unit
// sort of paths relative to the dataset root (for Stanford Cars: train, then test, as the
// notebook concatenates them), so it is the same on every machine and file system, and
// image i means the same file in every run.
import { promises as fs, statSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import type { DatasetSplit } from '../../shared/runConfig';

/** Extensions sharp's prebuilt libvips decodes (BMP is not among them). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

/** How many examples a message names before it says "and N more". */
export const EXAMPLES_NAMED = 5;

export type DatasetLayout = 'stanford-cars' | 'stanford-cars-kaggle' | 'image-folder';

export interface ImageFile {
  /** Absolute path. */
  path: string;
  /** Relative to the dataset root with `/` separators: the image's stable name. */
  name: string;
  bytes: number;
  mtimeMs: number;
}

/** A file that looked like an image but cannot be used, and why. */
export interface SkippedImage {
  name: string;
  reason: string;
}

export interface ImageListing {
  layout: DatasetLayout;
  /** The folder names are relative to (for Stanford Cars, the folder holding cars_train/). */
  root: string;
  /** Image files in stable order. */
  files: ImageFile[];
  /** Image-named entries that could not even be opened (broken links, no permission). */
  unreadable: SkippedImage[];
  /** Files without an image extension, which are not decoded. */
  otherFiles: { count: number; examples: string[] };
  /** Things a person should know: loops skipped, folders unreadable, a split missing. */
  notes: string[];
}

/** Lists the images of `datasetPath` for `split`; throws an Error naming the path on bad input. */
export async function findImages(datasetPath: string, split: DatasetSplit = 'all'): Promise<ImageListing> {
  const given = path.resolve(datasetPath);
  const stat = await fs.stat(given).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new Error(`dataset folder not found: ${given}`);
    throw new Error(`dataset folder ${given} cannot be opened (${err.code ?? err.message})`);
  });
  if (!stat.isDirectory()) throw new Error(`dataset path ${given} is a file, not a folder of images`);

  const stanford = await detectStanfordCars(given);
  if (!stanford) {
    if (split !== 'all') {
      throw new Error(`dataset split "${split}" needs a Stanford Cars folder (with cars_train/ and cars_test/), but ${given} has neither; use split "all" for a plain image folder`);
    }
    const walk = new FolderWalk(given);
    await walk.addTree(given);
    return walk.result('image-folder');
  }

  const walk = new FolderWalk(stanford.root);
  const wanted: Array<'train' | 'test'> = split === 'all' ? ['train', 'test'] : [split];
  for (const part of wanted) {
    const dir = stanford.splits[part];
    if (dir) {
      await walk.addTree(dir);
    } else if (split === 'all') {
      walk.notes.push(`${stanford.root} has no cars_${part}/ folder: using cars_${part === 'train' ? 'test' : 'train'}/ only`);
    } else {
      throw new Error(`dataset split "${split}" asked for, but ${stanford.root} has no cars_${part}/ folder`);
    }
  }
  return walk.result(stanford.kaggle ? 'stanford-cars-kaggle' : 'stanford-cars');
}

interface StanfordCarsFolders {
  root: string;
  kaggle: boolean;
  splits: Partial<Record<'train' | 'test', string>>;
}

/**
 * torchvision: ROOT/stanford_cars/cars_train/*.jpg (ROOT or ROOT/stanford_cars may be given);
 * Kaggle: ROOT/cars_train/cars_train/*.jpg. devkit/ and .mat files are not images and are ignored.
 */
async function detectStanfordCars(given: string): Promise<StanfordCarsFolders | null> {
  for (const root of [given, path.join(given, 'stanford_cars')]) {
    const splits: StanfordCarsFolders['splits'] = {};
    let kaggle = false;
    for (const part of ['train', 'test'] as const) {
      const dir = path.join(root, `cars_${part}`);
      if (!(await isDirectory(dir))) continue;
      const nested = path.join(dir, `cars_${part}`);
      if (await isDirectory(nested)) {
        splits[part] = nested;
        kaggle = true;
      } else {
        splits[part] = dir;
      }
    }
    if (splits.train || splits.test) return { root, kaggle, splits };
  }
  return null;
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false); // absent: this layout is not the one; the caller tries the next
}

/** Code-unit order: independent of locale and ICU version. */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

class FolderWalk {
  readonly notes: string[] = [];
  /** One list per addTree call, each sorted on its own, then concatenated. */
  private readonly sections: Array<Array<{ path: string; name: string }>> = [];
  private readonly unreadable: SkippedImage[] = [];
  private otherCount = 0;
  private readonly otherExamples: string[] = [];
  /** Real paths of folders already listed: a symbolic link back to one is a loop (or a duplicate). */
  private readonly visited = new Set<string>();

  constructor(private readonly root: string) {}

  private nameOf(p: string): string {
    return path.relative(this.root, p).split(path.sep).join('/');
  }

  /** Lists `dir` recursively as the next section of the dataset. */
  async addTree(dir: string): Promise<void> {
    this.sections.push([]);
    await this.listFolder(dir);
  }

  private async listFolder(dir: string): Promise<void> {
    let real: string;
    let entries: Dirent[];
    try {
      real = await fs.realpath(dir);
      if (this.visited.has(real)) {
        this.notes.push(`skipped ${dir}: it links back to ${real}, which is already listed (symbolic link loop or duplicate)`);
        return;
      }
      this.visited.add(real);
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (dir === this.root) throw new Error(`dataset folder ${dir} cannot be read (${code})`);
      this.notes.push(`skipped folder ${dir}: cannot be read (${code})`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // Hidden entries: .DS_Store, editor files, and the lab's own .diffusion/ cache.
      if (entry.name.startsWith('.') || entry.name === '__MACOSX') continue;
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await fs.stat(full);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why = code === 'ELOOP' ? 'symbolic link loop' : code === 'ENOENT' ? 'broken symbolic link' : `cannot follow symbolic link (${code})`;
          if (hasImageExtension(entry.name)) this.unreadable.push({ name: this.nameOf(full), reason: why });
          else this.notes.push(`skipped ${full}: ${why}`);
          continue;
        }
      }
      if (isDir) {
        await this.listFolder(full);
      } else if (isFile) {
        if (hasImageExtension(entry.name)) {
          this.sections.at(-1)!.push({ path: full, name: this.nameOf(full) });
        } else {
          this.otherCount++;
          if (this.otherExamples.length < EXAMPLES_NAMED) this.otherExamples.push(this.nameOf(full));
        }
      }
    }
  }

  result(layout: DatasetLayout): ImageListing {
    const candidates = this.sections.flatMap((section) => section.sort(byName));
    const files: ImageFile[] = [];
    // Synchronous on purpose: one stat per file through the thread pool costs several times
    // more than the stat itself, and a cached load is mostly this loop.
    for (const { path: p, name } of candidates) {
      try {
        const s = statSync(p);
        files.push({ path: p, name, bytes: s.size, mtimeMs: s.mtimeMs });
      } catch (err) {
        this.unreadable.push({ name, reason: `cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      }
    }
    return {
      layout,
      root: this.root,
      files,
      unreadable: this.unreadable.sort(byName),
      otherFiles: { count: this.otherCount, examples: this.otherExamples },
      notes: this.notes,
    };
  }
}

function hasImageExtension(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}
