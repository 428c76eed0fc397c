/**
 * Ends the engine process when its parent is gone, even while the engine's own thread is stuck in
 * synchronous code (a chat template that loops, a regex that backtracks): a worker thread, which keeps
 * running whatever the main thread does, watches the parent's process id and kills this process when it
 * changes (the parent died and the process was re-parented). The 'disconnect' event cannot do this alone:
 * it is only delivered when the main thread is free.
 */
import { Worker } from 'node:worker_threads';

const WATCH = `
const { parentPid, intervalMs } = require('node:worker_threads').workerData;
setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, 'SIGKILL');
}, intervalMs);
`;

export function exitWithParent(intervalMs = 500): void {
  const parentPid = process.ppid;
  const worker = new Worker(WATCH, { eval: true, workerData: { parentPid, intervalMs } });
  // The guard must never be what keeps the engine alive.
  worker.unref();
}
