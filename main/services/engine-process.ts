/**
 * The engine as a Node child process, for `tessera serve` and tests. Like EngineClient.spawn, but it hands
 * back the process transport so EngineHost can watch the exit itself (Electron has its own adapter over
 * utilityProcess in main/electron/engine-process.ts).
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineProcess } from '../../models/engine/client.ts';

const ENTRY = fileURLToPath(new URL('../../models/engine/entry.ts', import.meta.url));

export function forkEngine(options: { env?: NodeJS.ProcessEnv } = {}): EngineProcess {
  // The TypeScript loader is resolved from this package, so it works from any working directory.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(ENTRY, [], {
    execArgv: ['--import', tsx],
    // 'advanced' serialization keeps Uint8Array image bytes intact across the channel.
    serialization: 'advanced',
    // Engine output goes to stderr: stdout belongs to the command (the URL line of `tessera serve`).
    stdio: ['ignore', 2, 2, 'ipc'],
    env: options.env ?? process.env,
  });
  return {
    pid: child.pid,
    send: (message) => void (child.connected && child.send(message as never)),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', listener),
    kill: () => void child.kill('SIGKILL'),
  };
}
