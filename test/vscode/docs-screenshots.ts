// The README's pictures, made from real runs: trains the shipped demo sweep and a small sweep
// over T with the built CLI, opens code-server on them and photographs the Experiments view
// and the results panel's tabs in the light and dark themes. Every docs/*.png the README shows
// is in DOCS_SCREENSHOTS (test/unit/docs-screenshots.test.ts checks), so none is copied by hand.
//   npm run docs:screenshots      (about 8 minutes on 2 cores; needs dist/, code-server, chromium)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { loadStudy } from '../../src/shared/runReading/loadStudy';
import { SWEEP_FILES } from '../../src/shared/sweepSpec';
import { openBrowser, ROOT, startCodeServer } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, until, waitForRows, webviewFrame } from './workbench';

type Theme = 'light' | 'dark';
type Tab = 'loss' | 'noise' | 'samples' | 'compare' | 'notes';
interface Shot {
  /** Under docs/. */
  file: string;
  theme: Theme;
  /** The sidebar's Experiments view, or a tab of a sweep's panel. */
  what: { view: 'tree' } | { sweep: 'demo' | 'timesteps'; tab: Tab };
}

export const DOCS_SCREENSHOTS: readonly Shot[] = [
  { file: 'panel.png', theme: 'light', what: { sweep: 'timesteps', tab: 'loss' } },
  { file: 'tree.png', theme: 'light', what: { view: 'tree' } },
  { file: 'demo-samples.png', theme: 'light', what: { sweep: 'demo', tab: 'samples' } },
  { file: 'panel-loss-dark.png', theme: 'dark', what: { sweep: 'timesteps', tab: 'loss' } },
  { file: 'panel-compare-dark.png', theme: 'dark', what: { sweep: 'timesteps', tab: 'compare' } },
  { file: 'panel-noise-light.png', theme: 'light', what: { sweep: 'timesteps', tab: 'noise' } },
  { file: 'panel-notes-light.png', theme: 'light', what: { sweep: 'timesteps', tab: 'notes' } },
];

/** A sweep over T, small enough for a few minutes: three runs of the improved recipe. */
const TIMESTEPS_SWEEP = {
  name: 'timesteps',
  description: 'Three values of T on 16 px toy cars, a few hundred steps each.',
  base: {
    recipe: 'improved', channels: [16, 32, 64], dataset: 'toy-cars', toyCarsCount: 1024, imgSize: 16, batchSize: 32,
    epochs: 10, maxSteps: 320, sampleEvery: 2, sampleCount: 16, previewCount: 8,
  },
  axes: { timesteps: [200, 300, 400] },
  maxParallelRuns: 2,
};

// A student's plan, not findings: the script does not know what the runs will show.
const NOTES = `# T against sample quality

**Question.** At the same number of steps, does a larger T give better samples?

| T | what to compare |
|---|---|
| 200 | final loss, SWD against its floor |
| 300 | the base run |
| 400 | the grids over training time |

Next: three seeds each (\`repeats: 3\`) before drawing a conclusion.
`;

const THEME_NAMES: Record<Theme, [pickerName: string, workbenchClass: string]> = {
  light: ['Light Modern', 'vs'],
  dark: ['Dark Modern', 'vs-dark'],
};

function train(workspace: string, file: string): void {
  console.log(`training ${path.basename(file)}`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'sweep', file, '--out', path.join(workspace, '.diffusion')], { cwd: workspace, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`training ${file} failed (exit ${r.status})`);
}

async function setTheme(page: Page, theme: Theme): Promise<void> {
  const [name, workbenchClass] = THEME_NAMES[theme];
  await runCommand(page, 'Preferences: Color Theme');
  await page.locator('.quick-input-widget input').fill(name);
  await clickPick(page, name);
  await page.locator(`.monaco-workbench.${workbenchClass}`).waitFor();
}

async function showTab(page: Page, sweep: string, tab: Tab): Promise<void> {
  await runCommand(page, 'Diffusion: Open Results Panel');
  await clickPick(page, sweep);
  const view = webviewFrame(page);
  await view.locator(`#tab-${tab}`).click();
  await view.locator(`#view-${tab} > *`).first().waitFor({ timeout: 60_000 });
  if (tab === 'loss' || tab === 'compare') await view.locator(`#view-${tab} canvas, #view-${tab} svg`).first().waitFor({ timeout: 60_000 });
  if (tab === 'samples') {
    await until('every sample image loaded', () => view.locator('#view-samples img').evaluateAll((imgs) =>
      imgs.length > 0 && imgs.every((i) => (i as unknown as { complete: boolean; naturalWidth: number }).complete && (i as unknown as { naturalWidth: number }).naturalWidth > 0)), 60_000, page);
  }
  if (tab === 'noise') {
    // Part way along: the image half noise, the marker on the schedule curves.
    const slider = view.locator('input.t-slider');
    await slider.fill(String(Math.round(TIMESTEPS_SWEEP.axes.timesteps[1]! / 4)));
    await slider.evaluate((el) => (el as unknown as { blur(): void }).blur());
  }
  // The charts redraw in the theme's colours on the next frames.
  await page.waitForTimeout(1000);
}

async function main(): Promise<void> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-docs-'));
  try {
    copyFileSync(path.join(ROOT, 'sweeps/demo.sweep.json'), path.join(workspace, 'demo.sweep.json'));
    writeFileSync(path.join(workspace, 'timesteps.sweep.json'), JSON.stringify(TIMESTEPS_SWEEP, null, 2) + '\n');
    train(workspace, path.join(workspace, 'timesteps.sweep.json'));
    train(workspace, path.join(workspace, 'demo.sweep.json'));
    const server = await startCodeServer(workspace);
    const { context, page } = await openBrowser(server.runDir);
    try {
      await openDiffusionLabView(page, server);
      await waitForRows(page, 'both sweeps', (rows) => rows.some((r) => r.startsWith('timesteps')) && rows.some((r) => r.startsWith('demo')), 90_000);
      // The sweep's notes, so the Notes tab shows a rendered analysis.
      writeFileSync(await notesFile(workspace), NOTES);
      await runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
      const outDir = path.join(ROOT, 'docs');
      mkdirSync(outDir, { recursive: true });
      for (const shot of [...DOCS_SCREENSHOTS].sort((a, b) => a.theme.localeCompare(b.theme))) {
        await setTheme(page, shot.theme);
        const file = path.join(outDir, shot.file);
        if ('view' in shot.what) {
          await page.locator('.part.sidebar').screenshot({ path: file });
        } else {
          await showTab(page, shot.what.sweep, shot.what.tab);
          await page.screenshot({ path: file });
        }
        console.log(`wrote docs/${shot.file}`);
      }
    } finally {
      await context.close();
      await server.stop();
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

/** notes.md of the timesteps sweep: its directory is named by the id the CLI chose. */
async function notesFile(workspace: string): Promise<string> {
  const sweepsDir = path.join(workspace, '.diffusion', 'sweeps');
  for (const id of readdirSync(sweepsDir)) {
    const study = await loadStudy(path.join(sweepsDir, id)).catch(() => undefined);
    if (study?.name === TIMESTEPS_SWEEP.name) return path.join(study.sweepDir, SWEEP_FILES.notes);
  }
  throw new Error(`no ${TIMESTEPS_SWEEP.name} sweep under ${sweepsDir}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
