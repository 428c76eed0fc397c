/**
 * The Electron side of the contract: every invoke is checked to come from the main frame of one of our
 * windows showing app://bundle (not an iframe, not a page navigated elsewhere), then goes through the
 * same `dispatch` as the WebSocket transport. Untrusted senders get an error result and nothing runs.
 */
import type { Handlers, Result } from '../../app/ipc/contract.ts';
import { dispatch } from '../services/dispatch.ts';
import type { Logger } from '../services/dispatch.ts';
import { APP_HOST, APP_SCHEME } from './protocol.ts';

export interface Sender {
  /** event.senderFrame?.url; null when the frame is gone. */
  frameUrl: string | null | undefined;
  /** event.senderFrame?.parent === null */
  isMainFrame: boolean;
  /** BrowserWindow.fromWebContents(event.sender)?.id */
  senderWindowId: number | null | undefined;
}

export function isTrustedSender(sender: Sender & { windowIds: ReadonlySet<number> }): boolean {
  const { frameUrl, isMainFrame, senderWindowId, windowIds } = sender;
  if (!isMainFrame || senderWindowId == null || !windowIds.has(senderWindowId) || !frameUrl) return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  // Compared by parts: the WHATWG origin of a non-special scheme like app: is the opaque "null".
  return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && !url.username && !url.password;
}

export interface InvokeContext {
  handlers: Handlers;
  /** Ids of the windows this app created. */
  windowIds: ReadonlySet<number>;
  log?: Logger;
}

export async function handleInvoke(
  context: InvokeContext,
  name: unknown,
  input: unknown,
  sender: Sender,
): Promise<Result<unknown>> {
  if (!isTrustedSender({ ...sender, windowIds: context.windowIds })) {
    context.log?.(`refused ${String(name)} from an untrusted sender (${String(sender.frameUrl)})`);
    return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use Tessera.' } };
  }
  return dispatch(context.handlers, name, input, context.log);
}
