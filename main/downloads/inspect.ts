/**
 * Says whether Tessera can run a Hub repo or a local folder, before anything large is downloaded or loaded:
 * the config's model_type against the family registry, the dtype variants with every graph the family needs,
 * and the tokenizer and preprocessor files. Only the file list and config.json are read.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CATALOG, catalogEntry } from '../../app/catalog.ts';
import { hasCode } from '../../app/errors.ts';
import type { Inspection } from '../../app/ipc/contract.ts';
import { SUPPORTED_MODEL_TYPES, familyForModelType } from '../../models/families/registry.ts';
import {
  checkFileSync,
  modelFileKind,
  readBounded,
  requireRegularFile,
} from '../../models/files/bounded-read.ts';
import { jsonErrorPosition } from '../../models/files/json-position.ts';
import { MAX_POINTER_BYTES, lfsPointerAt, lfsPointerMessage } from '../../models/files/lfs-pointer.ts';
import { HubClient, type HubClientOptions, type RemoteFile, parseRepoRef } from './hub-client.ts';
import { availableVariants, modulesFor, planVariant } from './variants.ts';

export interface InspectOptions {
  client?: HubClient | HubClientOptions;
  signal?: AbortSignal;
}

/** What a source holds: its files (with sizes where known) and a way to read one of them as text. */
interface Listing {
  name: string;
  repo?: string;
  files: RemoteFile[];
  read: (path: string) => Promise<string>;
  /** Files that are there but unusable (path → why): pointers, links to a device, a config over its cap. */
  fileProblems?: ReadonlyMap<string, string>;
}

/** `source`: a folder on this machine, else a Hub repo id `OWNER/NAME[@REVISION]`. */
export async function inspectSource(source: string, options: InspectOptions = {}): Promise<Inspection> {
  const info = await stat(source).catch(() => undefined);
  if (info?.isDirectory()) {
    const dir = resolve(source);
    return { source: dir, kind: 'folder', ...(await judge(await listFolder(dir))) };
  }
  if (info) throw new Error(`${source} is a file; give a model folder or a Hub repo id (OWNER/NAME).`);
  let ref: { repo: string; revision: string };
  try {
    ref = parseRepoRef(source);
  } catch {
    throw new Error(
      `"${source}" is neither a folder on this machine nor a Hub repo id (OWNER/NAME[@REVISION]).`,
    );
  }
  const client = options.client instanceof HubClient ? options.client : new HubClient(options.client);
  const { signal } = options;
  const snapshot = await client.snapshot(ref.repo, ref.revision, signal);
  const listing: Listing = {
    name: ref.repo,
    repo: ref.repo,
    files: snapshot.files,
    read: (path) => client.fetchText(ref.repo, snapshot.commit, path, signal),
  };
  return { source, kind: 'repo', ...(await judge(listing)) };
}

/**
 * The top-level files and those under onnx/: the whole layout, without walking a folder of any size. Files are
 * read within their caps (bounded-read.ts), and pointer-sized ones are looked at for Git LFS pointers.
 */
async function listFolder(dir: string): Promise<Listing> {
  const files: RemoteFile[] = [];
  const fileProblems = new Map<string, string>();
  for (const sub of ['', 'onnx']) {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => []);
    // By name, so problems come in the same order on every file system.
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      // Dot files (the manifest) and partial downloads are not part of the model.
      if (entry.name.startsWith('.') || /\.(incomplete|lock)$/.test(entry.name)) continue;
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      const problem = fileProblem(join(dir, path), path);
      if (problem === undefined) continue; // a dangling link
      // A file that is there but unusable still counts as there: its problem says what is wrong with it.
      const size = problem ? 0 : (await stat(join(dir, path))).size;
      files.push({ path, size });
      const pointer = !problem && size <= MAX_POINTER_BYTES ? lfsPointerAt(join(dir, path)) : null;
      if (pointer) fileProblems.set(path, lfsPointerMessage(dir, path, pointer.size));
      else if (problem) fileProblems.set(path, problem);
    }
  }
  const read = async (path: string) =>
    (await readBounded(join(dir, path), modelFileKind(path))).toString('utf8');
  return { name: dir, files, read, fileProblems };
}

/**
 * Why a file (or a link, followed) is no model file: a device, a pipe or a folder; a JSON or template over its
 * cap. Empty when fine; undefined when a link leads nowhere.
 */
function fileProblem(path: string, relative: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    if (/\.(json|jinja)$/.test(relative) && !relative.includes('/'))
      checkFileSync(path, modelFileKind(relative));
    else requireRegularFile(path, 'a model file', 'MODEL_FILE_CORRUPT');
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

async function judge(listing: Listing): Promise<Omit<Inspection, 'source' | 'kind'>> {
  const { name } = listing;
  const paths = new Set(listing.files.map((f) => f.path));
  const fileProblems = listing.fileProblems ?? new Map<string, string>();
  const problems: string[] = [...fileProblems.values()];
  let modelType: string | null = null;
  let family: string | null = null;

  if (!paths.has('config.json')) {
    problems.push(`${name} has no config.json, so Tessera cannot tell which model it is.`);
  } else if (!fileProblems.has('config.json')) {
    const config = await readConfig(listing);
    if (typeof config === 'string') {
      problems.push(config);
    } else {
      modelType = typeOf(config) ?? typeOf(config.text_config);
      if (modelType !== null && SUPPORTED_MODEL_TYPES.includes(modelType)) {
        family = familyForModelType(modelType, 'config.json').name;
      } else {
        const known = listing.repo ? catalogEntry(listing.repo) : undefined;
        const entry = known && !known.supported ? known : CATALOG.find((e) => e.modelType === modelType);
        family = entry?.family ?? null;
        const what = modelType === null ? 'no "model_type"' : `model_type "${modelType}"`;
        const supported = `Tessera runs model types ${SUPPORTED_MODEL_TYPES.join(', ')}`;
        problems.push(
          entry?.unsupportedReason
            ? `${name} has ${what}: ${entry.unsupportedReason} ${supported}.`
            : `The config.json of ${name} has ${what}; ${supported}.`,
        );
      }
    }
  }

  const modules = modulesFor(listing.repo, modelType ?? undefined);
  try {
    planVariant(listing.files, undefined, modules, name);
  } catch (error) {
    if (!hasCode(error, 'MODEL_UNSUPPORTED')) throw error;
    problems.push(error.message);
  }
  for (const [file, why] of [
    ['tokenizer.json', 'the tokenizer'],
    ['preprocessor_config.json', 'how images are prepared'],
  ] as const) {
    if (!paths.has(file)) problems.push(`${name} has no ${file} (${why}).`);
  }

  const variants = availableVariants(listing.files, modules).map((v) => ({
    id: v.id,
    files: v.files,
    bytes: v.bytes,
    // A pointer (or a link to a device) stands in for a graph that is not there.
    complete: v.complete && !v.files.some((file) => fileProblems.has(file)),
  }));
  return { runnable: problems.length === 0, modelType, family, variants, problems };
}

/**
 * The parsed config, or why it is not one: too large, not JSON (with the position only: the text is never
 * echoed, a config.json linked to /etc/passwd must not print it).
 */
async function readConfig(listing: Listing): Promise<Record<string, unknown> | string> {
  let text: string;
  try {
    text = await listing.read('config.json');
  } catch (error) {
    return (error as Error).message;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return `The config.json of ${listing.name} is not a JSON object.`;
    }
    return value as Record<string, unknown>;
  } catch {
    const at = jsonErrorPosition(text);
    return `The config.json of ${listing.name} is not valid JSON${at ? ` (at line ${at.line}, column ${at.column})` : ''}.`;
  }
}

function typeOf(config: unknown): string | null {
  const type = (config as { model_type?: unknown } | null | undefined)?.model_type;
  return typeof type === 'string' && type.length > 0 ? type : null;
}
