/**
 * Starts the engine entry as a Node child process: the transport behind EngineClient.spawn (CLI, tests)
 * and `tessera serve`'s EngineHost. Electron uses utilityProcess instead (main/electron/engine-process.ts).
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineProcess } from './client.ts';

const ENTRY = fileURLToPath(new URL('./entry.ts', import.meta.url));

export function forkEngineProcess(
  options: { env?: NodeJS.ProcessEnv; preload?: readonly string[] } = {},
): EngineProcess {
  // The TypeScript loader is resolved from this package, so it works from any working directory.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(ENTRY, [], {
    execArgv: ['--import', tsx, ...(options.preload ?? []).flatMap((url) => ['--import', url])],
    // 'advanced' serialization keeps Uint8Array image bytes and bigints intact across the channel.
    serialization: 'advanced',
    // Engine output (native library warnings) goes to stderr: stdout belongs to the command's answer.
    stdio: ['ignore', 2, 2, 'ipc'],
    env: options.env ?? process.env,
  });
  // The engine goes with this process, however it ends (a stuck engine cannot hear the channel close).
  const killChild = () => void child.kill('SIGKILL');
  process.on('exit', killChild);
  child.on('exit', () => process.off('exit', killChild));
  return {
    pid: child.pid,
    send: (message) => void (child.connected && child.send(message as never)),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', listener),
    kill: () => void child.kill('SIGKILL'),
  };
}
