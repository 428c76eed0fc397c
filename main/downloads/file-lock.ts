/**
 * A per-file lock, so two downloads of one file never interleave: an in-process queue per path plus an
 * exclusive `<dest>.lock` file holding our pid (other processes). A lock whose pid is gone is stale.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sleep } from './hub-retry.ts';

const inProcess = new Map<string, Promise<unknown>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLockFile(lock: string, signal?: AbortSignal): Promise<void> {
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    // A lock left by a process that died (SIGKILL, crash) is stale; an empty one may be mid-write.
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      await rm(lock, { force: true });
      continue;
    }
    await sleep(100, signal);
  }
}

export async function withFileLock<T>(
  dest: string,
  task: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const previous = inProcess.get(dest) ?? Promise.resolve();
  const run = previous
    .catch(() => {})
    .then(async () => {
      const lock = `${dest}.lock`;
      await mkdir(dirname(dest), { recursive: true });
      await acquireLockFile(lock, signal);
      try {
        return await task();
      } finally {
        await rm(lock, { force: true });
      }
    });
  const settled = run.catch(() => {});
  inProcess.set(dest, settled);
  void settled.then(() => {
    if (inProcess.get(dest) === settled) inProcess.delete(dest);
  });
  return run;
}
