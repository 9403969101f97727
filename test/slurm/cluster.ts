// A real one-node Slurm cluster for a test file (test/slurm/start-cluster.sh): started once,
// stopped in after(), private to the file (its own folder, munge socket and ports).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const START = path.resolve(__dirname, 'start-cluster.sh');

export interface SlurmCluster {
  dir: string;
  /** SLURM_CONF: add to a child's environment to point sbatch, squeue, scancel... at this cluster. */
  env: NodeJS.ProcessEnv;
}

/** Two free TCP ports in a row, for slurmctld and slurmd. */
async function freePortPair(): Promise<number> {
  const free = (port: number) => new Promise<boolean>((resolve) => {
    const server = createServer().once('error', () => resolve(false)).listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
  for (let port = 20_000 + Math.floor(Math.random() * 10_000); ; port = 20_000 + Math.floor(Math.random() * 10_000)) {
    if ((await free(port)) && (await free(port + 1))) return port;
  }
}

/** Starts the cluster; `t.after` stops it and removes its folder. */
export async function startSlurmCluster(t: { after: (fn: () => void) => void }): Promise<SlurmCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-slurm-cluster-'));
  const port = await freePortPair();
  const r = spawnSync(START, [dir], { encoding: 'utf8', env: { ...process.env, DL_SLURM_PORT: String(port) }, timeout: 300_000 });
  const stop = () => {
    spawnSync(START, ['stop', dir], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  if (r.status !== 0) {
    stop();
    throw new Error(`test/slurm/start-cluster.sh failed (${r.status ?? r.signal}):\n${r.stderr}`);
  }
  t.after(stop);
  const conf = /^export SLURM_CONF=(.+)$/m.exec(r.stdout)?.[1];
  if (!conf) throw new Error(`start-cluster.sh printed no SLURM_CONF:\n${r.stdout}`);
  return { dir, env: { ...process.env, SLURM_CONF: conf } };
}
