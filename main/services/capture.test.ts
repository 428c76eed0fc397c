/** capture.* where the main process cannot capture (`tessera serve`): the browser's picker is the way. */
import { describe, expect, it } from 'vitest';
import { CAPTURE_IN_BROWSER, browserCaptureHandlers } from './capture.ts';

describe('capture in the browser host', () => {
  const handlers = browserCaptureHandlers();

  it('sends the renderer to the browser’s picker for screenshots and recordings alike', async () => {
    expect(await handlers['capture.sources']({})).toEqual({ kind: 'browser', reason: CAPTURE_IN_BROWSER });
    await expect(handlers['capture.take']({ sourceId: 'screen:0:0', hideWindow: true })).rejects.toThrow(
      CAPTURE_IN_BROWSER,
    );
    await expect(handlers['capture.select']({ sourceId: 'screen:0:0' })).rejects.toThrow(CAPTURE_IN_BROWSER);
  });
});
