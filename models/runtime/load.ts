/**
 * Opens a model folder: configs, family, tokenizer, and one session per graph on the chosen device.
 * Graph inputs and outputs are checked against what the family and the generation loop will feed.
 */
import { TesseraError } from '../errors.ts';
import type { FamilyModel } from '../families/family.ts';
import { bindFolder } from '../families/plan-folder.ts';
import type { TextModel } from '../text/tokenizer.ts';
import { loadTextModel } from '../text/tokenizer.ts';
import type { DtypeChoice, Dtype, ModuleName } from './model-folder.ts';
import { chooseDtype, graphPath, readModelJson } from './model-folder.ts';
import type { Device, GraphSession, Provider } from './onnx.ts';
import { candidateProviders, openSession } from './onnx.ts';
import { cacheInputs } from './kv-cache.ts';

export interface LoadOptions {
  device?: Device;
  /** One dtype for every graph, or one per graph; by default the best variant present for the provider. */
  dtype?: DtypeChoice;
  intraOpThreads?: number;
}

export interface Placed {
  session: GraphSession;
  provider: Provider;
  dtype: Dtype;
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
  const json = readModelJson(dir);
  const family = bindFolder(dir);
  const text = loadTextModel(dir);
  const device = options.device ?? 'auto';
  const open = (module: ModuleName, keepOnDevice?: (name: string) => boolean) =>
    openModule(dir, module, device, options, keepOnDevice);
  const vision = await open('vision_encoder');
  const embed = await open('embed_tokens');
  // With WebGPU the KV cache stays on the device between steps; only logits come back.
  const decoder = await open('decoder_model_merged', (name) => name.startsWith('present'));
  try {
    checkGraphs(family, vision.session, embed.session, decoder.session);
  } catch (error) {
    await Promise.all([vision, embed, decoder].map((p) => p.session.release()));
    throw error;
  }
  const textConfig = (json.config.text_config ?? json.config) as Record<string, unknown>;
  const contextLength = Number(textConfig.max_position_embeddings ?? 2048);
  return { dir, family, text, vision, embed, decoder, contextLength };
}

async function openModule(
  dir: string,
  module: ModuleName,
  device: Device,
  options: LoadOptions,
  keepOnDevice?: (name: string) => boolean,
): Promise<Placed> {
  let lastError: unknown;
  for (const provider of candidateProviders(device)) {
    const dtype = chooseDtype(dir, module, provider, options.dtype);
    try {
      const session = await openSession(graphPath(dir, module, dtype), {
        device: provider,
        deviceResidentOutputs: keepOnDevice,
        intraOpThreads: options.intraOpThreads,
      });
      return { session, provider, dtype };
    } catch (error) {
      lastError = error;
      // A file that is corrupt on one provider is corrupt on all of them.
      if (error instanceof TesseraError && error.code === 'MODEL_FILE_CORRUPT' && device !== 'auto')
        throw error;
    }
  }
  throw lastError;
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
  requireNames(
    decoder,
    'output',
    pasts.map((n) => n.replace('past_key_values.', 'present.')),
  );
}
