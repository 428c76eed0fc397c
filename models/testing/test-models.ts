/**
 * Generated models for tests, made once per generator version and reused from `<repo>/.cache/test-models`.
 * Safe when several Vitest worker processes ask at once: each generates into its own temporary folder and
 * renames it into place; whoever loses the race uses the winner's folder.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GeneratedFamily, makeModel } from '../generate/index.ts';
import type { AttentionForm, ModelDType, ModelSize } from '../generate/types.ts';

export interface TestModelOptions {
  family?: GeneratedFamily;
  size?: ModelSize;
  dtype?: ModelDType;
  /** More variants of every graph in the same folder. */
  extraDtypes?: readonly ModelDType[];
  seed?: number;
  externalData?: boolean;
  contextLength?: number;
  /** The decoder's attention form (default plain). */
  attention?: AttentionForm;
  /** Where models are kept; default `<repo>/.cache/test-models`. */
  cacheRoot?: string;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_TEST_MODEL_ROOT = join(REPO_ROOT, '.cache', 'test-models');

const inFlight = new Map<string, Promise<string>>();

/** Folder of a generated model with these options (defaults: tiny fp32 SmolVLM, seed 1). */
export function testModelDir(options: TestModelOptions = {}): Promise<string> {
  const family = options.family ?? 'smolvlm';
  const size = options.size ?? 'tiny';
  const dtype = options.dtype ?? 'fp32';
  const seed = options.seed ?? 1;
  const externalData = options.externalData ?? size === 'realistic';
  const root = options.cacheRoot ?? DEFAULT_TEST_MODEL_ROOT;
  const run = async (): Promise<string> => {
    const context = options.contextLength === undefined ? '' : `ctx${options.contextLength}`;
    const extra = (options.extraDtypes ?? []).join('_');
    const parts = [
      family,
      size,
      dtype + (extra ? `_${extra}` : ''),
      `s${seed}`,
      externalData ? 'ext' : '',
      context,
      options.attention === 'gqa' ? 'gqa' : '',
    ];
    const name = parts.filter((p) => p !== '').join('-');
    const dest = join(root, `${name}-${await generatorVersion(family)}`);
    if (await isDir(dest)) return dest;
    const temp = join(root, `.${basename(dest)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await makeModel({
      family,
      size,
      dtype,
      extraDtypes: options.extraDtypes,
      seed,
      externalData,
      contextLength: options.contextLength,
      attention: options.attention,
      outDir: temp,
    });
    await installModel(temp, dest);
    await pruneStale(root, name, dest);
    return dest;
  };
  const memoKey = JSON.stringify([
    family,
    size,
    dtype,
    options.extraDtypes,
    seed,
    externalData,
    options.contextLength,
    options.attention,
    root,
  ]);
  let promise = inFlight.get(memoKey);
  if (!promise) {
    promise = run();
    inFlight.set(memoKey, promise);
    promise.catch(() => inFlight.delete(memoKey));
  }
  return promise;
}

/**
 * Renames a finished model folder into place. When another process got there first (rename onto a
 * non-empty folder fails), its copy is used and ours is deleted.
 */
export async function installModel(temp: string, dest: string): Promise<void> {
  try {
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (!(await isDir(dest))) throw error;
  }
}

/** Deletes folders of the same options made by older generator versions (best effort). */
async function pruneStale(root: string, name: string, keep: string): Promise<void> {
  // Names are [a-z0-9_-] only, so they need no escaping.
  const stale = new RegExp(`^${name}-[0-9a-f]{12}$`);
  for (const entry of await readdir(root)) {
    if (stale.test(entry) && join(root, entry) !== keep) {
      await rm(join(root, entry), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/** Hash of the generator sources, so a changed generator never reuses stale models. */
async function generatorVersion(family: string): Promise<string> {
  const sources: string[] = [];
  const listTs = async (dir: string, filter: (name: string) => boolean) =>
    (await readdir(dir))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && filter(name))
      .sort()
      .map((name) => join(dir, name));
  sources.push(...(await listTs(join(REPO_ROOT, 'models', 'generate'), () => true)));
  // The family's own generator folder (models/generate/families/<family>/); qwen2.5-vl shares qwen2-vl's.
  const folder = join(REPO_ROOT, 'models', 'generate', 'families', family.replace('qwen2.5-vl', 'qwen2-vl'));
  sources.push(...(await listTs(folder, () => true)));
  const hash = createHash('sha256');
  for (const file of sources) hash.update(file.slice(REPO_ROOT.length)).update(await readFile(file));
  return hash.digest('hex').slice(0, 12);
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
