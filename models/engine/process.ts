/**
 * The engine process as its caller sees it, whatever started it: a Node child (fork.ts) or Electron's
 * utilityProcess (main/electron/engine-process.ts). Its own module so fork.ts need not import client.ts.
 */
import type { MessagePort } from './protocol.ts';

export interface EngineProcess extends MessagePort {
  readonly pid: number | undefined;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}
