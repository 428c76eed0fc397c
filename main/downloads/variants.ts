/**
 * Which files of a Hub repo in the onnx-community layout make one dtype variant: each module's graph
 * `onnx/{module}{suffix}.onnx` with its external data (`.onnx_data`, `.onnx_data_1`, …), plus the small
 * top-level configs and tokenizer files. Weights in other formats, READMEs and images are never fetched.
 */
import { CATALOG, catalogEntry } from '../../app/catalog.ts';
import { TesseraError } from '../../app/errors.ts';
import { DTYPE_SUFFIX, type Dtype, MODULES } from '../../models/runtime/model-folder.ts';
import type { RemoteFile } from './hub-client.ts';

/** CPU first: 4/8-bit integer weights run fastest there; the rarer dtypes only when nothing else is whole. */
export const DEFAULT_ORDER: readonly Dtype[] = ['q4', 'q8', 'fp32', 'fp16', 'q4f16', 'int8', 'uint8', 'bnb4'];

/** Top-level files every variant shares: configs, chat templates, tokenizers. */
const SHARED = /^[^/.][^/]*\.(json|jinja|txt|model|tiktoken)$/;

export interface VariantInfo {
  id: Dtype;
  /** Every module's graph is present. */
  complete: boolean;
  /** Graphs and their external data, in module order. */
  files: string[];
  /** Graphs of modules this variant lacks. */
  missing: string[];
  /** Graphs, data and shared files together (what `planVariant` would fetch); null when a size is unknown. */
  bytes: number | null;
}

export const NO_ONNX_HINT =
  'Tessera needs the onnx-community layout (look for an -ONNX or onnx-community version of this model)';

/** The modules to fetch: the catalog's for a repo (or model type) it lists, else the runtime's. */
export function modulesFor(repo?: string, modelType?: string): readonly string[] {
  const entry =
    (repo === undefined ? undefined : catalogEntry(repo)) ??
    (modelType === undefined ? undefined : CATALOG.find((e) => e.modelType === modelType));
  return entry ? Object.keys(entry.modules) : MODULES;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function graphFiles(paths: ReadonlySet<string>, all: readonly string[], module: string, dtype: Dtype) {
  const graph = `onnx/${module}${DTYPE_SUFFIX[dtype]}.onnx`;
  if (!paths.has(graph)) return undefined;
  const data = new RegExp(`^${escape(graph)}_data(_\\d+)?$`);
  return [graph, ...all.filter((p) => data.test(p)).sort()];
}

function sumSizes(files: readonly RemoteFile[]): number | null {
  let sum = 0;
  for (const file of files) {
    if (file.size === undefined) return null;
    sum += file.size;
  }
  return sum;
}

/** Every dtype with at least one module's graph, in DEFAULT_ORDER. */
export function availableVariants(
  files: readonly RemoteFile[],
  modules: readonly string[] = MODULES,
): VariantInfo[] {
  const all = files.map((f) => f.path);
  const paths = new Set(all);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const shared = files.filter((f) => SHARED.test(f.path));
  const out: VariantInfo[] = [];
  for (const id of DEFAULT_ORDER) {
    const found: string[] = [];
    const missing: string[] = [];
    for (const module of modules) {
      const graph = graphFiles(paths, all, module, id);
      if (graph) found.push(...graph);
      else missing.push(`onnx/${module}${DTYPE_SUFFIX[id]}.onnx`);
    }
    if (found.length === 0) continue;
    const own = found.map((p) => byPath.get(p) as RemoteFile);
    out.push({
      id,
      complete: missing.length === 0,
      files: found,
      missing,
      bytes: sumSizes([...own, ...shared]),
    });
  }
  return out;
}

/**
 * The files to download for `variant` (default: the first complete one in DEFAULT_ORDER). Throws a
 * MODEL_UNSUPPORTED error naming the variants that exist when the one asked for is absent or lacks a module.
 */
export function planVariant(
  files: RemoteFile[],
  variant: string | undefined,
  modules: readonly string[] = MODULES,
  name = 'This repo',
): { variant: string; files: RemoteFile[] } {
  if (!files.some((f) => /^onnx\/.+\.onnx$/.test(f.path))) {
    throw new TesseraError('MODEL_UNSUPPORTED', `${name} has no ONNX graphs; ${NO_ONNX_HINT}.`);
  }
  const variants = availableVariants(files, modules);
  const complete = variants.filter((v) => v.complete);
  const gaps = variants.map((v) => `${v.id} lacks ${v.missing.join(', ')}`).join('; ');
  // Ends by listing what there is to choose (the renderer adds no advice after "Available:").
  const available =
    complete.length > 0
      ? `Available: ${complete.map((v) => v.id).join(', ')}.`
      : `No variant is complete (${gaps}).`;
  let chosen: VariantInfo | undefined;
  if (variant === undefined) {
    chosen = complete[0];
    if (!chosen) {
      throw new TesseraError(
        'MODEL_UNSUPPORTED',
        variants.length === 0
          ? `${name} has no graphs for the modules Tessera needs (${modules.join(', ')}); ${NO_ONNX_HINT}.`
          : `${name} has no variant with every graph Tessera needs (${gaps}).`,
      );
    }
  } else {
    chosen = variants.find((v) => v.id === variant);
    if (!chosen?.complete) {
      const why = chosen ? ` (missing ${chosen.missing.join(', ')})` : '';
      throw new TesseraError('MODEL_UNSUPPORTED', `${name} has no ${variant} variant${why}. ${available}`);
    }
  }
  const wanted = new Set(chosen.files);
  return { variant: chosen.id, files: files.filter((f) => wanted.has(f.path) || SHARED.test(f.path)) };
}
