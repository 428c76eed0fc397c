/**
 * Loaded with --import into a forked engine, this makes the process look like Electron's utilityProcess:
 * `process.parentPort` with postMessage and 'message' events carrying `{ data }`, and no `process.send`,
 * so the engine entry must take its Electron path.
 */
import { EventEmitter } from 'node:events';

const send = process.send?.bind(process);
if (!send) throw new Error('electron-parent-port: needs an IPC channel');
const port = new EventEmitter();
process.on('message', (data) => port.emit('message', { data }));
Object.assign(process, {
  send: undefined,
  parentPort: { postMessage: (message: unknown) => send(message as never), on: port.on.bind(port) },
});
