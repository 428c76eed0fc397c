/**
 * What a screen reader hears of a streamed answer: whole sentences as they complete (not every token,
 * which would be noise), code blocks as "code block", and the rest when the answer ends.
 */

/** Markdown marks and code read badly aloud; this keeps the words. */
export function speakable(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?(```|$)/g, ' (code block) ')
    .replace(/\$\$[\s\S]*?(\$\$|$)/g, ' (formula) ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/[*_~|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The next part of `text` to announce, given that the first `spoken` characters were announced. Until
 * `final`, only up to the last sentence end (or line break) outside an open code block.
 */
export function nextAnnouncement(
  text: string,
  spoken: number,
  final: boolean,
): { say: string; spoken: number } {
  if (final) return { say: speakable(text.slice(spoken)), spoken: text.length };
  const rest = text.slice(spoken);
  // Do not speak into an unfinished code block.
  const fences = rest.match(/```/g)?.length ?? 0;
  const usable = fences % 2 === 1 ? rest.slice(0, rest.lastIndexOf('```')) : rest;
  let end = -1;
  const boundary = /[.!?:](?=\s)|\n/g;
  for (let match = boundary.exec(usable); match; match = boundary.exec(usable)) end = match.index + 1;
  if (end <= 0) return { say: '', spoken };
  return { say: speakable(usable.slice(0, end)), spoken: spoken + end };
}
