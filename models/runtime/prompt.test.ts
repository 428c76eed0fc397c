import { describe, expect, it } from 'vitest';
import { reusablePrefix } from './prompt.ts';

describe('reusablePrefix', () => {
  const cached = { ids: [1, 2, 9, 9, 9, 3, 4, 5], spans: [{ key: 'imgA', start: 2, end: 5 }] };

  it('is the common token prefix', () => {
    expect(reusablePrefix(cached, { ids: [1, 2, 9, 9, 9, 3, 4, 5, 6, 7], spans: cached.spans })).toBe(8);
    expect(reusablePrefix(cached, { ids: [1, 2, 9, 9, 9, 3, 8], spans: cached.spans })).toBe(6);
  });

  it('stops before an image whose pixels differ even though the token ids match', () => {
    const next = { ids: [1, 2, 9, 9, 9, 3, 4, 5, 6], spans: [{ key: 'imgB', start: 2, end: 5 }] };
    expect(reusablePrefix(cached, next)).toBe(2);
  });

  it('stops before an image that moved', () => {
    const next = { ids: [1, 2, 9, 9, 9, 3], spans: [{ key: 'imgA', start: 3, end: 5 }] };
    expect(reusablePrefix(cached, next)).toBe(2);
  });
});
