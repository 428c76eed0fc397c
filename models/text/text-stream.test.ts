import { describe, expect, it } from 'vitest';
import { TextStream } from './text-stream.ts';

// A toy byte-level "tokenizer": each id is one UTF-8 byte, decoded the way tokenizers do (invalid → U+FFFD).
const decoder = new TextDecoder();
const decode = (ids: readonly number[]) => decoder.decode(Uint8Array.from(ids));
const bytes = (text: string) => [...new TextEncoder().encode(text)];

function run(text: string, stops: string[] = []) {
  const stream = new TextStream(decode, stops);
  const deltas: string[] = [];
  for (const id of bytes(text)) {
    const d = stream.push(id);
    if (d) deltas.push(d);
    if (stream.stopped) break;
  }
  const tail = stream.flush();
  if (tail) deltas.push(tail);
  return { deltas, stream };
}

describe('TextStream', () => {
  it('never emits half of a UTF-8 sequence', () => {
    const { deltas } = run('a😀é日本');
    expect(deltas.join('')).toBe('a😀é日本');
    for (const d of deltas) expect(d).not.toContain('\uFFFD');
    expect(deltas).toContain('😀');
  });

  it('stops at a stop string and never shows it', () => {
    const { deltas, stream } = run('hello END world', ['END']);
    expect(stream.stopped).toBe(true);
    expect(deltas.join('')).toBe('hello ');
    expect(stream.answer).toBe('hello ');
  });

  it('holds back a possible stop-string prefix, then releases it', () => {
    const { deltas } = run('an EN dash', ['END']);
    expect(deltas.join('')).toBe('an EN dash');
  });
});
