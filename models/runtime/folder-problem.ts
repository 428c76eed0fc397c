/**
 * Why a model folder cannot run as it is, found without loading it: what a listing of installed models shows
 * next to the model (and what keeps it from being chosen by default). Reads only the small JSON files, each
 * within its cap, and the first bytes of pointer-sized files.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isTesseraError } from '../errors.ts';
import { checkFileSync, modelFileKind } from '../files/bounded-read.ts';
import { lfsPointerMessage, lfsPointersIn } from '../files/lfs-pointer.ts';
import { readModelJson } from './model-folder.ts';

/** Read when the model loads; checked here for kind (a regular file) and size only. */
const TEXT_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'generation_config.json',
  'chat_template.json',
  'chat_template.jinja',
];

/** One line saying what is wrong and what to do, or null when nothing is found. */
export function modelFolderProblem(dir: string): string | null {
  const pointers = lfsPointersIn(dir);
  const [first] = pointers;
  if (first) {
    const more = pointers.length > 1 ? ` ${pointers.length - 1} more files are pointers too.` : '';
    return lfsPointerMessage(dir, first.file, first.size) + more;
  }
  try {
    readModelJson(dir);
    for (const name of TEXT_FILES) {
      const path = join(dir, name);
      if (existsSync(path)) checkFileSync(path, modelFileKind(name));
    }
  } catch (error) {
    if (isTesseraError(error)) return error.message;
    // An unreadable file (EACCES): the listing goes on, and says so (Node's message names the file).
    return `The model in ${dir} cannot be read: ${(error as Error).message}.`;
  }
  return null;
}
