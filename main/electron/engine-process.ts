/**
 * The engine in an Electron utilityProcess (its own OS process: a native crash in onnxruntime ends it,
 * not the app), adapted to EngineProcess so EngineClient and EngineHost work as they do under Node.
 * `entry` is the bundled models/engine/entry.ts, which speaks over process.parentPort there.
 */
import { utilityProcess } from 'electron';
import type { EngineProcess } from '../../models/engine/process.ts';

export function forkUtilityEngine(entry: string): EngineProcess {
  const child = utilityProcess.fork(entry, [], { serviceName: 'Tessera engine', stdio: 'pipe' });
  // Engine logs go to the app's stderr, tagged with the process id (which engine said it).
  const relay = (chunk: Buffer) => process.stderr.write(`[engine ${child.pid ?? '?'}] ${chunk.toString()}`);
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code, null)),
    kill: () => void child.kill(),
  };
}
