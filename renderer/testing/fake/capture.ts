/** capture.*: as `tessera serve` answers (the browser's picker is the way); tests give the desktop's answers. */
import { type HandlersOf, err, ok } from './state.ts';

const IN_BROWSER = 'Capturing through Tessera is not available in the browser; use the browser’s own picker.';

export function captureHandlers(): HandlersOf<'capture.sources' | 'capture.take' | 'capture.select'> {
  return {
    'capture.sources': () => ok({ kind: 'browser', reason: IN_BROWSER }),
    'capture.take': () => err('BAD_REQUEST', IN_BROWSER),
    'capture.select': () => err('BAD_REQUEST', IN_BROWSER),
  };
}
