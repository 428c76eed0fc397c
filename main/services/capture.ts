/**
 * capture.*: where the main process cannot capture the screen (`tessera serve`, the CLI's services). The
 * desktop app replaces these with main/electron/capture.ts; in a browser the renderer uses getDisplayMedia.
 */
import type { Handlers } from '../../app/ipc/contract.ts';
import { badRequest } from './errors.ts';

export const CAPTURE_IN_BROWSER =
  'Capturing through Tessera is not available in the browser; use the browser’s own picker.';

export function browserCaptureHandlers(): Pick<
  Handlers,
  'capture.sources' | 'capture.take' | 'capture.select'
> {
  return {
    'capture.sources': async () => ({ kind: 'browser', reason: CAPTURE_IN_BROWSER }),
    'capture.take': async () => {
      throw badRequest(CAPTURE_IN_BROWSER);
    },
    'capture.select': async () => {
      throw badRequest(CAPTURE_IN_BROWSER);
    },
  };
}
