/**
 * JSON objects from local files, read within their kind's cap (bounded-read.ts). A parse error names the file
 * and the position only, never the text: a config.json linked to /etc/passwd must not print its first line.
 */
import { basename, dirname } from 'node:path';
import { TesseraError } from '../errors.ts';
import { type FileKind, readBoundedSync } from './bounded-read.ts';
import { jsonErrorPosition } from './json-position.ts';
import { lfsPointerMessage, parseLfsPointer } from './lfs-pointer.ts';

type Json = Record<string, unknown>;

export function readJsonObjectSync(path: string, kind: FileKind): Json {
  return parseJsonObject(readBoundedSync(path, kind).toString('utf8'), path);
}

/** `text` as a JSON object, or a MODEL_FILE_CORRUPT error naming `path` (an LFS pointer: MODEL_FILE_MISSING). */
export function parseJsonObject(text: string, path: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TesseraError(jsonProblemCode(text), jsonProblem(text, path));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    throw new TesseraError('MODEL_FILE_CORRUPT', `${path} is not a JSON object (it holds ${what}).`);
  }
  return value as Json;
}

/** Why `text` does not parse, with the position and no content. */
export function jsonProblem(text: string, path: string): string {
  const pointer = parseLfsPointer(text);
  if (pointer) return lfsPointerMessage(dirname(path), basename(path), pointer.size);
  const at = jsonErrorPosition(text);
  const where = at ? ` (at line ${at.line}, column ${at.column})` : '';
  return `${path} is not valid JSON${where}. Replace it with the model's real ${basename(path)}, or download the model again.`;
}

function jsonProblemCode(text: string) {
  return parseLfsPointer(text) ? 'MODEL_FILE_MISSING' : 'MODEL_FILE_CORRUPT';
}
