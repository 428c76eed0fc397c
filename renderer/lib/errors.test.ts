import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../app/errors.ts';
import { ERROR_TEXTS, describeError, describeWithAdvice, errorAdvice } from './errors.ts';

describe('error texts', () => {
  it('has words for exactly the codes there are', () => {
    expect(Object.keys(ERROR_TEXTS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) expect(ERROR_TEXTS[code].hint, code).not.toBe('');
  });

  it('prefers the message, and falls back on the hint, then the code', () => {
    expect(describeError({ code: 'IMAGE_TOO_LARGE', message: 'photo.png is 50 MiB.' })).toBe(
      'photo.png is 50 MiB.',
    );
    expect(describeError({ code: 'IMAGE_TOO_LARGE', message: '' })).toBe('This image is too large.');
    // A stored answer may carry a code an older Tessera used.
    const old = { code: 'GONE_CODE', message: '' } as unknown as Parameters<typeof describeError>[0];
    expect(describeError(old)).toBe('GONE_CODE');
    expect(errorAdvice(old)).toBeNull();
  });

  it('says an engine crash is being handled, with its reason', () => {
    expect(describeError({ code: 'ENGINE_CRASHED', message: 'exit 9' })).toBe(
      'The engine stopped unexpectedly and is being restarted. Retry the answer. (exit 9)',
    );
  });

  it("ends a missing variant's error with the variants there are, not the catalog advice", () => {
    expect(
      describeWithAdvice({
        code: 'MODEL_UNSUPPORTED',
        message: 'HuggingFaceTB/X has no q8 variant. Available: q4, fp32.',
      }),
    ).toBe('HuggingFaceTB/X has no q8 variant. Available: q4, fp32.');
    // An unsupported model still gets it.
    expect(describeWithAdvice({ code: 'MODEL_UNSUPPORTED', message: 'a/b has no ONNX graphs.' })).toMatch(
      /marked as supported\.$/,
    );
  });

  it('adds advice where the message does not say where to fix it', () => {
    expect(describeWithAdvice({ code: 'DISK_FULL', message: 'Not enough space.' })).toBe('Not enough space.');
    expect(describeWithAdvice({ code: 'HUB_ERROR', message: 'HTTP 401.' })).toMatch(
      /^HTTP 401\. Check the network/,
    );
  });
});
