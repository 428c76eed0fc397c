/**
 * Search results: the services' snippet is an excerpt of a message's Markdown source (cut anywhere,
 * "…" at the cuts). The sidebar shows it as plain text with the searched words marked.
 */

const PRIVATE = 0xe000;

/** Markdown syntax removed, whitespace collapsed; a fragment's unmatched markers are dropped too. */
export function stripMarkdown(source: string): string {
  return (
    source
      // Escaped characters are text: hidden from the rules below as private-use characters.
      .replace(/\\([\\`*_{}[\]()#+\-.!|~<>$])/g, (_, char: string) =>
        String.fromCharCode(PRIVATE + char.charCodeAt(0)),
      )
      // Code fences (with their language) and HTML tags.
      .replace(/(^|\n)[ \t]*(```|~~~)[^\n]*/g, '$1')
      .replace(/<\/?[A-Za-z][^<>]*>/g, ' ')
      // Images and links keep their text; reference-style and autolinks too.
      .replace(/!\[([^\]]*)\]\([^)]*\)?/g, '$1')
      .replace(/\[([^\]]*)\]\([^)]*\)?/g, '$1')
      .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
      // Line starts: headings, quotes, list markers, task boxes, rules, table rules.
      .replace(/(^|\n)[ \t]*(?:#{1,6}[ \t]+|>[ \t>]*|[-*+][ \t]+(?:\[[ xX]\][ \t]+)?|\d+[.)][ \t]+)/g, '$1')
      .replace(/(^|\n)[ \t]*(?:[-*_][ \t]*){3,}(?=\n|$)/g, '$1')
      .replace(/(^|\n)[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*(?=\n|$)/g, '$1')
      .replace(/[ \t]*\|[ \t]*/g, ' ')
      // Emphasis, strike-through and inline code markers (a lone "2 * 3" stays; so does _ in snake_case).
      .replace(/(?:\*+|~~)(?=\S)|(?<=\S)(?:\*+|~~)|`+/g, '')
      .replace(/(^|[^\p{L}\p{N}])_{1,3}|_{1,3}(?=[^\p{L}\p{N}]|$)/gu, '$1')
      .replace(/[\uE000-\uE07F]/g, (char) => String.fromCharCode(char.charCodeAt(0) - PRIVATE))
      .replace(/\s+/g, ' ')
      .trim()
  );
}

export interface Segment {
  text: string;
  match: boolean;
}

/** Case- and accent-insensitive form of one character (keeps the text's indices). */
function fold(char: string): string {
  return char.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * The text cut into marked and unmarked runs for the query's words, as the services search: whole
 * words, the last one also as a word's start (search as you type), ignoring case and accents.
 */
export function highlight(text: string, query: string): Segment[] {
  const words = query
    .split(/\s+/)
    .filter((word) => WORD_CHAR.test(word))
    .map((word) => [...word].map(fold).join(''));
  if (words.length === 0 || text === '') return text === '' ? [] : [{ text, match: false }];
  const chars = [...text];
  const folded = chars.map(fold);
  const marked = new Array<boolean>(chars.length).fill(false);
  for (let start = 0; start < chars.length; start++) {
    if (start > 0 && WORD_CHAR.test(chars[start - 1] ?? '')) continue;
    words.forEach((word, index) => {
      // Folding may change a character's length (rarely): match character by character.
      let at = start;
      let rest = word;
      while (rest !== '' && at < chars.length) {
        const piece = folded[at] ?? '';
        if (!rest.startsWith(piece) || piece === '') break;
        rest = rest.slice(piece.length);
        at++;
      }
      if (rest !== '') return;
      const prefix = index === words.length - 1;
      if (!prefix && at < chars.length && WORD_CHAR.test(chars[at] ?? '')) return;
      for (let i = start; i < at; i++) marked[i] = true;
    });
  }
  const segments: Segment[] = [];
  chars.forEach((char, i) => {
    const last = segments.at(-1);
    if (last && last.match === marked[i]) last.text += char;
    else segments.push({ text: char, match: marked[i] ?? false });
  });
  return segments;
}
