/**
 * Starts the engine entry as a Node child process: the transport behind EngineClient.spawn (CLI, tests)
 * and `tessera serve`'s EngineHost. Electron uses utilityProcess instead (main/electron/engine-process.ts).
 * It runs the bundle (dist/engine/entry.mjs, scripts/build.ts); a checkout without one runs the source
 * through tsx.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineProcess } from './process.ts';

// This module runs from models/engine/ or bundled into dist/cli/: two folders below the root either way.
const ROOT = new URL('../../', import.meta.url);
const BUILT_ENTRY = fileURLToPath(new URL('dist/engine/entry.mjs', ROOT));
const SOURCE_ENTRY = fileURLToPath(new URL('models/engine/entry.ts', ROOT));

export function forkEngineProcess(
  options: { env?: NodeJS.ProcessEnv; preload?: readonly string[] } = {},
): EngineProcess {
  const preload = options.preload ?? [];
  const built = existsSync(BUILT_ENTRY);
  // Tests preload TypeScript modules; tsx (a devDependency) loads them into the built engine too.
  const typescript = !built || preload.some((url) => /\.[cm]?ts$/.test(url));
  const child = fork(built ? BUILT_ENTRY : SOURCE_ENTRY, [], {
    execArgv: [
      ...(typescript ? ['--import', tsxLoader()] : []),
      ...preload.flatMap((url) => ['--import', url]),
    ],
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

/** tsx (resolved from this package, so from any working directory); absent without devDependencies. */
function tsxLoader(): string {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    throw new Error(`The engine is not built (no ${BUILT_ENTRY}). Run "npm run build:cli".`);
  }
}
