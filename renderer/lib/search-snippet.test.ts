import { describe, expect, it } from 'vitest';
import { highlight, stripMarkdown } from './search-snippet.ts';

const marked = (text: string, query: string) =>
  highlight(text, query)
    .filter((s) => s.match)
    .map((s) => s.text);

describe('stripMarkdown', () => {
  it('removes emphasis, code, links, headings, lists and quotes', () => {
    expect(stripMarkdown('## The **cat** sat on `mat`')).toBe('The cat sat on mat');
    expect(stripMarkdown('- a [link](http://x.y/z) and ![a cat](cat.png)\n> quoted _text_')).toBe(
      'a link and a cat quoted text',
    );
    expect(stripMarkdown('1. first\n2. ~~second~~\n- [x] done')).toBe('first second done');
    expect(stripMarkdown('```python\nprint(1)\n```')).toBe('print(1)');
    expect(stripMarkdown('| a | b |\n|---|---|\n| 1 | 2 |')).toBe('a b 1 2');
  });

  it('copes with a fragment cut in the middle of the syntax', () => {
    expect(stripMarkdown('…the **orange cat')).toBe('…the orange cat');
    expect(stripMarkdown('see [the docs](http://exa…')).toBe('see the docs');
  });

  it('keeps text that only looks like syntax', () => {
    expect(stripMarkdown('snake_case and 2 * 3 costs $5')).toBe('snake_case and 2 * 3 costs $5');
    expect(stripMarkdown('a \\*literal\\* star')).toBe('a *literal* star');
  });
});

describe('highlight', () => {
  it('marks whole words, the last one also as a prefix, ignoring case and accents', () => {
    expect(marked('The Cat and the caterpillar', 'cat')).toEqual(['Cat', 'cat']);
    expect(marked('The Cat and the caterpillar', 'cat the')).toEqual(['The', 'Cat', 'the']);
    expect(marked('Un café crème', 'cafe')).toEqual(['café']);
    expect(marked('concatenate', 'cat')).toEqual([]);
  });

  it('keeps the whole text in order', () => {
    const segments = highlight('a cat, a dog', 'dog cat');
    expect(segments.map((s) => s.text).join('')).toBe('a cat, a dog');
    expect(segments).toEqual([
      { text: 'a ', match: false },
      { text: 'cat', match: true },
      { text: ', a ', match: false },
      { text: 'dog', match: true },
    ]);
  });

  it('marks nothing for a query without words', () => {
    expect(highlight('a cat', '  ** ')).toEqual([{ text: 'a cat', match: false }]);
    expect(highlight('', 'cat')).toEqual([]);
  });
});
