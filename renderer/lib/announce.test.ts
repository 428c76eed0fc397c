import { describe, expect, it } from 'vitest';
import { nextAnnouncement, speakable } from './announce.ts';

describe('nextAnnouncement', () => {
  it('announces whole sentences only while streaming', () => {
    expect(nextAnnouncement('The error means', 0, false)).toEqual({ say: '', spoken: 0 });
    const first = nextAnnouncement('The error means X. Then', 0, false);
    expect(first).toEqual({ say: 'The error means X.', spoken: 18 });
    expect(nextAnnouncement('The error means X. Then it fails.\n', first.spoken, false).say).toBe(
      'Then it fails.',
    );
  });

  it('says the rest when the answer ends', () => {
    expect(nextAnnouncement('One. Two', 4, true)).toEqual({ say: 'Two', spoken: 8 });
  });

  it('does not read into an unfinished code block', () => {
    const text = 'Try this:\n```ts\nconst a = 1;\nconst b';
    expect(nextAnnouncement(text, 0, false).say).toBe('Try this:');
  });
});

it('speakable drops Markdown marks and code', () => {
  expect(speakable('## Fix\n**Use** `npm ci`:\n```sh\nnpm ci\n```\n- [docs](http://x)')).toBe(
    'Fix Use npm ci: (code block) docs',
  );
});
