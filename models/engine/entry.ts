/**
 * Entry point of the engine process. Under Electron it runs as a utilityProcess (messages on
 * process.parentPort); under Node it is a child_process fork (process.send). Native crashes in
 * onnxruntime end this process only; the caller sees the exit and fails what was in flight.
 */
import { EngineServer } from './server.ts';
import { exitWithParent } from './orphan-guard.ts';
import type { MessagePort } from './protocol.ts';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function parentPort(): MessagePort {
  const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (electronPort) {
    return {
      send: (message) => electronPort.postMessage(message),
      onMessage: (listener) => electronPort.on('message', (event) => listener(event.data)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return {
      send: (message) => send(message as never),
      onMessage: (listener) => process.on('message', listener),
    };
  }
  throw new Error('The engine must be started by Tessera (no parent process channel).');
}

const port = parentPort();
// Without its parent nobody can use the engine; leave rather than linger, even when stuck (orphan-guard.ts).
process.on('disconnect', () => process.exit(0));
exitWithParent();
new EngineServer(port);
port.send({ type: 'ready', pid: process.pid });
