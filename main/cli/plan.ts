/** `tessera plan`: the tile plan of an image as JSON, from the model folder's JSON files alone. */
import { isTesseraError } from '../../models/errors.ts';
import { planFromFolder } from '../../models/families/plan-folder.ts';
import { readBounded } from '../../models/files/bounded-read.ts';
import { readImageSize } from '../../models/image/decode.ts';
import { UsageError, oneOf, parse, required } from './args.ts';

export async function planCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    model: { type: 'string' },
    detail: { type: 'string' },
    size: { type: 'string' },
  });
  const dir = required(values.model, 'model');
  const detail = oneOf(values.detail, 'detail', ['low', 'high'] as const);
  if ((positionals.length === 1) === (values.size !== undefined) || positionals.length > 1) {
    throw new UsageError('give exactly one IMAGE or --size WIDTHxHEIGHT.');
  }
  let size: { width: number; height: number };
  if (values.size !== undefined) {
    const match = /^(\d+)x(\d+)$/.exec(String(values.size));
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      throw new UsageError(`--size must look like 1920x1080, got "${values.size}".`);
    }
    size = { width: Number(match[1]), height: Number(match[2]) };
  } else {
    size = await readImageSize(await readImageFile(positionals[0] as string));
  }
  console.log(JSON.stringify(planFromFolder(dir, size, detail), null, 2));
}

/** The image's bytes, at most the app's attachment cap, from a regular file (not /dev/zero, not a pipe). */
export async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readBounded(path, 'image'));
  } catch (error) {
    if (isTesseraError(error)) throw error;
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    );
  }
}
