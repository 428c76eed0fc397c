/**
 * Opens a model folder: configs, family, tokenizer, and one session per graph on the chosen device.
 * Graph inputs and outputs are checked against what the family and the generation loop will feed.
 */
import { TesseraError } from '../errors.ts';
import type { FamilyModel, SessionRole } from '../families/family.ts';
import { bindModelFolder } from '../families/engines.ts';
import type { TextModel } from '../text/tokenizer.ts';
import { loadTextModel } from '../text/tokenizer.ts';
import type { DtypeChoice, Dtype, ModuleName } from './model-folder.ts';
import { chooseDtype, graphPath, readModelJson, sessionFilesOf } from './model-folder.ts';
import { readFileSync, statSync } from 'node:fs';
import type { Device, GraphSession, Provider } from './onnx.ts';
import { candidateProviders, emptyTensor, firstLine, openSession } from './onnx.ts';
import { cacheInputs, presentNameFor } from './cache-inputs.ts';
import { appendCacheRewrite, decodeModel, encodeModel } from './cache-rewrite.ts';
import { gqaNewRowsRewrite } from './gqa-rewrite.ts';
import { useInt8Activations } from './int8-activations.ts';
import { keepLastLogits } from './last-logits.ts';
import { fuseTanhGelu } from './gelu-fusion.ts';
import { readEmbeddingTable, tableSession } from './embed-table.ts';
import { checkGraphFile } from '../files/graph-file.ts';
import type { OnStage } from './progress.ts';
import { ignoreStages } from './progress.ts';

export interface LoadOptions {
  device?: Device;
  /** One dtype for every graph, or one per graph; by default the best variant present for the provider. */
  dtype?: DtypeChoice;
  intraOpThreads?: number;
  /**
   * `append` (default): on the CPU, run the decoder rewritten so its cache is appended to in place rather than
   * copied each step (cache-rewrite.ts; a GQA-form decoder: gqa-rewrite.ts), where its attention pattern is
   * recognised. `present`: as exported.
   */
  cache?: 'append' | 'present';
  /** On the CPU, embed tokens by reading the table of a plain-Gather embedder (default true; embed-table.ts). */
  embedTable?: boolean;
  /** On the CPU, run the decoder's 4-bit MatMulNBits with int8 activations (default true; int8-activations.ts). */
  int8Activations?: boolean;
  /** On the CPU, run spelled-out tanh GELUs as one FastGelu node, in the vision encoder and the decoder (default true; gelu-fusion.ts). */
  fuseGelu?: boolean;
  /** Told as each step of loading starts (the engine's watchdog gives each its own deadline). */
  onStage?: OnStage;
}

export interface Placed {
  session: GraphSession;
  provider: Provider;
  dtype: Dtype;
  /** For the decoder: how its KV cache is kept, and why it is copied where it is. */
  cache?: string;
  /** Spelled-out tanh GELUs run as one FastGelu node each (gelu-fusion.ts). */
  fusedGelus?: number;
}

export interface LoadedParts {
  dir: string;
  family: FamilyModel;
  text: TextModel;
  vision: Placed;
  embed: Placed;
  decoder: Placed;
  contextLength: number;
}

export async function loadParts(dir: string, options: LoadOptions = {}): Promise<LoadedParts> {
  const onStage = options.onStage ?? ignoreStages;
  onStage({ stage: 'config', file: dir });
  const json = readModelJson(dir);
  const family = bindModelFolder(dir);
  const text = loadTextModel(dir, onStage);
  const device = options.device ?? 'auto';
  const open = (module: ModuleName, role: SessionRole, decoder?: DecoderOptions) =>
    openModule(dir, module, role, device, options, decoder);
  // Each role's graph file: the family's own names where it has them (Phi-3-vision), else the usual three.
  const files = sessionFilesOf(family);
  const vision = await open(files.vision, 'vision');
  const embed = embedAsTable(dir, files.embed, device, options) ?? (await open(files.embed, 'embed'));
  const decoder = await open(files.decoder, 'decoder', {
    // With WebGPU the KV cache stays on the device between steps; only logits come back.
    keepOnDevice: (name) => name.startsWith('present'),
  });
  try {
    checkGraphs(family, vision.session, embed.session, decoder.session);
    embed.session = embedderOnly(embed.session);
  } catch (error) {
    await Promise.all([vision, embed, decoder].map((p) => p.session.release()));
    throw error;
  }
  const textConfig = (json.config.text_config ?? json.config) as Record<string, unknown>;
  const contextLength = Number(textConfig.max_position_embeddings ?? 2048);
  return { dir, family, text, vision, embed, decoder, contextLength };
}

interface DecoderOptions {
  keepOnDevice: (name: string) => boolean;
}

async function openModule(
  dir: string,
  module: ModuleName,
  role: SessionRole,
  device: Device,
  options: LoadOptions,
  decoder?: DecoderOptions,
): Promise<Placed> {
  let lastError: unknown;
  for (const provider of candidateProviders(device)) {
    const dtype = chooseDtype(dir, module, provider, options.dtype, role);
    const path = graphPath(dir, module, dtype);
    checkGraphFile(dir, path); // a pointer or a device is refused by name, not by onnxruntime's parser
    options.onStage?.({
      stage: 'session',
      file: path,
      bytes: statSync(path, { throwIfNoEntry: false })?.size,
    });
    try {
      const cpu = provider === 'cpu';
      const graph = decoder && cpu ? decoderGraph(path, options) : undefined;
      const encoder = role === 'vision' && cpu ? encoderGraph(path, options) : undefined;
      const session = await openSession(path, {
        device: provider,
        deviceResidentOutputs: decoder?.keepOnDevice,
        intraOpThreads: options.intraOpThreads,
        modelBytes: (graph ?? encoder)?.bytes ?? undefined,
      });
      const fusedGelus = (graph ?? encoder)?.fusedGelus ?? 0;
      const fused = fusedGelus > 0 ? { fusedGelus } : {};
      if (!decoder) return { session, provider, dtype, ...fused };
      session.cacheLayout = graph?.appended ? 'append' : graph?.gqaRows ? 'gqa' : 'present';
      const cache = graph?.appended
        ? 'appended in place'
        : graph?.gqaRows
          ? 'new rows written into a per-head buffer (GroupQueryAttention)'
          : graph
            ? `copied each step (${graph.reason ?? 'not rewritten'})`
            : provider === 'webgpu'
              ? 'kept on the device'
              : 'copied each step';
      return { session, provider, dtype, cache, ...fused };
    } catch (error) {
      lastError = error;
      // A file that is corrupt on one provider is corrupt on all of them.
      if (error instanceof TesseraError && error.code === 'MODEL_FILE_CORRUPT' && device !== 'auto')
        throw error;
    }
  }
  throw lastError;
}

/** The token embedder as a table read on the CPU, where its graph is a plain Gather (embed-table.ts). */
function embedAsTable(dir: string, module: ModuleName, device: Device, options: LoadOptions): Placed | null {
  if ((options.embedTable ?? true) === false || candidateProviders(device)[0] !== 'cpu') return null;
  const dtype = chooseDtype(dir, module, 'cpu', options.dtype);
  const path = graphPath(dir, module, dtype);
  checkGraphFile(dir, path);
  options.onStage?.({ stage: 'session', file: path, bytes: statSync(path, { throwIfNoEntry: false })?.size });
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return null; // onnxruntime reports the missing or unreadable file the usual way
  }
  let table;
  try {
    table = readEmbeddingTable(path, bytes);
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    return null; // not parsed: the same
  }
  return table ? { session: tableSession(path, table), provider: 'cpu', dtype } : null;
}

interface DecoderGraph {
  /** The rewritten graph, or null to open the file as it is. */
  bytes: Uint8Array | null;
  appended: boolean;
  /** A GQA-form decoder returning only the new rows (gqa-rewrite.ts). */
  gqaRows?: boolean;
  /** Why the cache is copied each step, where it is. */
  reason?: string;
  fusedGelus?: number;
}

/**
 * The CPU decoder as Tessera runs it: attention rewritten for an appended cache where the pattern is
 * recognised (cache-rewrite.ts), or a GQA-form decoder's present sliced to the new rows (gqa-rewrite.ts), int8
 * activations for 4-bit weights (int8-activations.ts), and logits for the last position only (last-logits.ts).
 * A file that cannot be read or parsed is opened as it is, so onnxruntime reports it the usual way.
 */
export function decoderGraph(path: string, options: LoadOptions): DecoderGraph {
  const wantAppend = (options.cache ?? 'append') === 'append';
  const wantInt8 = options.int8Activations ?? true;
  let model;
  try {
    model = decodeModel(readFileSync(path));
  } catch (error) {
    return { bytes: null, appended: false, reason: `not parsed: ${firstLine(error)}` };
  }
  const rewrite = wantAppend ? appendCacheRewrite(model) : { reason: 'turned off' };
  // A GQA-form decoder cannot take the appended cache; it can return only its new rows instead.
  const gqa = 'reason' in rewrite && wantAppend ? gqaNewRowsRewrite(model) : undefined;
  const gqaRows = gqa !== undefined && 'layers' in gqa;
  const int8 = wantInt8 ? useInt8Activations(model) : 0;
  const lastLogits = keepLastLogits(model);
  const gelus = (options.fuseGelu ?? true) ? fuseTanhGelu(model) : 0;
  const appended = 'layers' in rewrite;
  const reason = 'reason' in rewrite ? rewrite.reason : undefined;
  if (!appended && !gqaRows && int8 === 0 && !lastLogits && gelus === 0)
    return { bytes: null, appended, reason };
  return {
    bytes: encodeModel(model),
    appended,
    gqaRows,
    ...(gelus > 0 ? { fusedGelus: gelus } : {}),
    ...(reason ? { reason } : {}),
  };
}

/**
 * The CPU vision encoder as Tessera runs it: spelled-out tanh GELUs fused (gelu-fusion.ts); null bytes where
 * nothing changed or the file cannot be parsed (onnxruntime then reports it the usual way).
 */
export function encoderGraph(
  path: string,
  options: LoadOptions,
): { bytes: Uint8Array | null; fusedGelus: number } {
  if (options.fuseGelu === false) return { bytes: null, fusedGelus: 0 };
  let model;
  try {
    model = decodeModel(readFileSync(path));
  } catch {
    return { bytes: null, fusedGelus: 0 };
  }
  const fusedGelus = fuseTanhGelu(model);
  return { bytes: fusedGelus > 0 ? encodeModel(model) : null, fusedGelus };
}

function requireNames(session: GraphSession, kind: 'input' | 'output', names: readonly string[]): void {
  const present = kind === 'input' ? session.inputs.map((i) => i.name) : session.outputNames;
  const missing = names.filter((n) => !present.includes(n));
  if (missing.length > 0) {
    throw new TesseraError(
      'MODEL_GRAPH_MISMATCH',
      `${session.path} lacks the ${kind}(s) ${missing.join(', ')} (it has ${present.join(', ')}). ` +
        'The file does not match this model family; download the model again or pick the right folder.',
    );
  }
}

/**
 * A token embedder that declares inputs besides input_ids (Phi-3-vision's prepare_inputs_embeds takes
 * `image_features` and scatters them itself) is fed them empty, shaped from its metadata: it then only embeds
 * tokens, and the generation loop scatters image rows as it does for every family.
 */
export function embedderOnly(session: GraphSession): GraphSession {
  const extra = session.inputs.filter((input) => input.name !== 'input_ids');
  if (extra.length === 0) return session;
  const empty = extra.map((input) => {
    if (!input.shape.some((d) => typeof d === 'string')) {
      throw new TesseraError(
        'MODEL_GRAPH_MISMATCH',
        `${session.path} input ${input.name} has the fixed shape [${input.shape.join(', ')}], so it cannot be fed ` +
          'empty; Tessera feeds its token embedder input_ids only. Download the model again or pick the right folder.',
      );
    }
    return [input.name, input.shape.map((d) => (typeof d === 'number' ? d : 0)), input.type] as const;
  });
  return {
    path: session.path,
    provider: session.provider,
    inputs: session.inputs,
    outputNames: session.outputNames,
    release: () => session.release(),
    run: (feeds) =>
      session.run({
        ...Object.fromEntries(empty.map(([name, dims, type]) => [name, emptyTensor(type, dims)])),
        ...feeds,
      }),
  };
}

function checkGraphs(family: FamilyModel, vision: GraphSession, embed: GraphSession, decoder: GraphSession) {
  requireNames(vision, 'input', family.visionInputNames);
  requireNames(vision, 'output', ['image_features']);
  requireNames(embed, 'input', ['input_ids']);
  requireNames(embed, 'output', ['inputs_embeds']);
  requireNames(decoder, 'input', ['inputs_embeds', 'attention_mask']);
  requireNames(decoder, 'output', ['logits']);
  const pasts = cacheInputs(decoder).map((i) => i.name);
  if (pasts.length === 0) {
    throw new TesseraError(
      'MODEL_GRAPH_MISMATCH',
      `${decoder.path} has no past_key_values.* inputs (no KV cache).`,
    );
  }
  requireNames(decoder, 'output', pasts.map(presentNameFor));
}
