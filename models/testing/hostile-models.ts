/**
 * Model folders that make an engine run forever, built from a generated test model: its JSON files are
 * copied (and then edited), its graphs linked. For the watchdog's tests in the engine, the services and
 * `tessera serve`.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A copy of `base` to edit: its files copied, its `onnx/` folder linked. */
export function modelCopy(base: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'tessera-hostile-'));
  for (const name of readdirSync(base)) {
    if (name === 'onnx') symlinkSync(join(base, 'onnx'), join(dir, 'onnx'), 'dir');
    else copyFileSync(join(base, name), join(dir, name));
  }
  return dir;
}

/** 10^10 loop iterations before the real template: rendering never ends. */
export function withLoopingTemplate(dir: string): string {
  const original = JSON.parse(readFileSync(join(dir, 'chat_template.json'), 'utf8')) as {
    chat_template: string;
  };
  const loop = '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}';
  writeFileSync(join(dir, 'chat_template.jinja'), loop + original.chat_template);
  return dir;
}

/** A pre-tokenizer regex that backtracks catastrophically on a run of `a` not at the end of the text. */
export function withBacktrackingTokenizer(dir: string): string {
  const path = join(dir, 'tokenizer.json');
  const tokenizer = JSON.parse(readFileSync(path, 'utf8')) as { pre_tokenizer: unknown };
  const split = { type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false };
  tokenizer.pre_tokenizer = { type: 'Sequence', pretokenizers: [split, tokenizer.pre_tokenizer] };
  writeFileSync(path, JSON.stringify(tokenizer));
  return dir;
}

/** The prompt that sets off withBacktrackingTokenizer's regex. */
export const BACKTRACKING_PROMPT = `${'a'.repeat(46)}b`;
