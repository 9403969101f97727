// Tests that call Python (the live PyTorch cross-check, the official nbformat validator).
// Outside CI a missing interpreter or module skips the test with the reason and the Debian
// package to install; in CI (CI set, as .ci/run does) it fails the test instead, so a check
// CI is meant to run can never turn into a silent skip.

import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}

export interface PythonProbe {
  /** The first candidate that imports every module. */
  python?: string;
  /** Why none does (each candidate's failure), when none does. */
  missing?: string;
}

const probes = new Map<string, PythonProbe>();

export function probePython(modules: string[], candidates: string[]): PythonProbe {
  const key = JSON.stringify([modules, candidates]);
  const known = probes.get(key);
  if (known) return known;
  const code = modules.length > 0 ? modules.map((m) => `import ${m}`).join('; ') : 'pass';
  const failures: string[] = [];
  let probe: PythonProbe | undefined;
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 60_000 });
    if (!r.error && r.status === 0) {
      probe = { python };
      break;
    }
    const why = r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    failures.push(`${python}: ${why}`);
  }
  probe ??= { missing: `no python3 that can ${modules.length > 0 ? `import ${modules.join(', ')}` : 'run'} (${failures.join('; ')})` };
  probes.set(key, probe);
  return probe;
}

/**
 * The interpreter to use, or undefined after skipping the test (outside CI). In CI a
 * missing requirement throws, failing the test with what is missing and what installs it.
 */
export function pythonOrSkip(t: TestContext, modules: string[], debianPackages: string, candidates = ['python3', '/usr/bin/python3']): string | undefined {
  const { python, missing } = probePython(modules, candidates);
  if (python) return python;
  if (inCi()) {
    throw new Error(`${missing}. CI=${process.env.CI}, so this test must run, not skip: .ci/run installs ${debianPackages} (apt-get install ${debianPackages})`);
  }
  t.skip(`${missing}; apt-get install ${debianPackages} to run it (in CI this fails instead of skipping)`);
  return undefined;
}
