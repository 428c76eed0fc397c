/**
 * The models Tessera offers. Plain data shared by the main process (downloads, inspection) and the renderer
 * (the Models page). Each variant names the exact ONNX file of every module; sizes are estimates from the
 * modules' parameter counts (bytes per weight per dtype), because the real figures live on the Hub and this
 * list must be readable offline. The downloader uses the Hub's real file list and sizes.
 */

export type ProviderKind = 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';
export type VariantDtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

/** The file name suffix of each dtype in the onnx-community layout (`onnx/{module}{suffix}.onnx`). */
export const VARIANT_SUFFIX: Record<VariantDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
};

/** Stored bytes per weight, averaged over a graph (quantised graphs keep norms and some tables wider). */
const BYTES_PER_PARAM: Record<VariantDtype, number> = { fp32: 4, fp16: 2, q8: 1.05, q4: 0.62, q4f16: 0.58 };

/** Which providers a dtype suits: 4/8-bit integer kernels are fast on CPU, half precision on GPUs. */
export const VARIANT_PROVIDERS: Record<VariantDtype, ProviderKind[]> = {
  q4: ['cpu'],
  q8: ['cpu'],
  q4f16: ['webgpu'],
  fp16: ['webgpu', 'cuda', 'dml'],
  fp32: ['cpu', 'coreml', 'cuda'],
};

export interface CatalogVariant {
  /** The dtype, used as the variant's name (`tessera pull --variant q4`). */
  id: VariantDtype;
  /** The ONNX file per module, e.g. `{ vision_encoder: 'onnx/vision_encoder_q4.onnx', … }`. */
  files: Record<string, string>;
  /** Estimated download size of the graphs (configs and tokenizer add a few MB). */
  downloadBytes: number;
  /** Estimated memory while running: weights, a working set for activations and a 4k-token cache. */
  memoryBytes: number;
  providers: ProviderKind[];
}

export interface CatalogEntry {
  /** Hub repo id. */
  repo: string;
  name: string;
  /** Tessera's family folder (models/families/<family>) and the config's model_type. */
  family: string;
  modelType: string;
  /** Parameter count, for display ("256M"). */
  size: string;
  contextLength: number;
  licence: string;
  /** What the model is good at, one line. */
  summary: string;
  /** Whether Tessera runs this family yet; when not, why. */
  supported: boolean;
  unsupportedReason?: string;
  /** The ONNX modules (graphs) the family needs, with their parameter counts. */
  modules: Record<string, number>;
  variants: CatalogVariant[];
  /** The variant offered first: q4 on CPU. */
  defaultVariant: VariantDtype;
}

interface EntrySpec extends Omit<CatalogEntry, 'variants' | 'defaultVariant'> {
  dtypes?: VariantDtype[];
  /** Bytes of KV cache per token (layers × 2 × kv heads × head dim × 2 bytes). */
  kvBytesPerToken: number;
}

const M = 1e6;
const ALL_DTYPES: VariantDtype[] = ['q4', 'q8', 'q4f16', 'fp16', 'fp32'];

function variantsOf(spec: EntrySpec): CatalogVariant[] {
  const params = Object.values(spec.modules).reduce((sum, n) => sum + n, 0);
  return (spec.dtypes ?? ALL_DTYPES).map((dtype) => {
    const downloadBytes = Math.round(params * BYTES_PER_PARAM[dtype]);
    const activations = 0.25 * downloadBytes + 300 * M;
    return {
      id: dtype,
      files: Object.fromEntries(
        Object.keys(spec.modules).map((m) => [m, `onnx/${m}${VARIANT_SUFFIX[dtype]}.onnx`]),
      ),
      downloadBytes,
      memoryBytes: Math.round(downloadBytes + activations + 4096 * spec.kvBytesPerToken),
      providers: VARIANT_PROVIDERS[dtype],
    };
  });
}

function entry(spec: EntrySpec): CatalogEntry {
  const { dtypes: _dtypes, kvBytesPerToken: _kv, ...rest } = spec;
  return { ...rest, variants: variantsOf(spec), defaultVariant: 'q4' };
}

const SMOLVLM_MODULES = (visionParams: number, embedParams: number, decoderParams: number) => ({
  vision_encoder: visionParams,
  embed_tokens: embedParams,
  decoder_model_merged: decoderParams,
});

export const CATALOG: readonly CatalogEntry[] = [
  entry({
    repo: 'HuggingFaceTB/SmolVLM-256M-Instruct',
    name: 'SmolVLM 256M Instruct',
    family: 'smolvlm',
    modelType: 'idefics3',
    size: '256M',
    contextLength: 8192,
    licence: 'Apache-2.0',
    summary: 'Smallest and fastest; reads screenshots and documents, splits large images into 512 px tiles.',
    supported: true,
    modules: SMOLVLM_MODULES(93 * M, 28 * M, 135 * M),
    kvBytesPerToken: 30 * 2 * 3 * 64 * 2,
  }),
  entry({
    repo: 'HuggingFaceTB/SmolVLM-500M-Instruct',
    name: 'SmolVLM 500M Instruct',
    family: 'smolvlm',
    modelType: 'idefics3',
    size: '500M',
    contextLength: 8192,
    licence: 'Apache-2.0',
    summary: 'Better answers than 256M at about twice the cost; same tiling.',
    supported: true,
    modules: SMOLVLM_MODULES(93 * M, 47 * M, 362 * M),
    kvBytesPerToken: 32 * 2 * 5 * 64 * 2,
  }),
  // SmolVLM2's small video models: the 256M and 500M SmolVLM backbones (same module sizes and KV shape),
  // trained on video; the video_sampling block of their processor config makes them take clips.
  entry({
    repo: 'HuggingFaceTB/SmolVLM2-256M-Video-Instruct',
    name: 'SmolVLM2 256M Video Instruct',
    family: 'smolvlm',
    modelType: 'smolvlm',
    size: '256M',
    contextLength: 8192,
    licence: 'Apache-2.0',
    summary:
      'Smallest model that reads a screen recording: one 512 px view per sampled frame, with its time.',
    supported: true,
    modules: SMOLVLM_MODULES(93 * M, 28 * M, 135 * M),
    kvBytesPerToken: 30 * 2 * 3 * 64 * 2,
  }),
  entry({
    repo: 'HuggingFaceTB/SmolVLM2-500M-Video-Instruct',
    name: 'SmolVLM2 500M Video Instruct',
    family: 'smolvlm',
    modelType: 'smolvlm',
    size: '500M',
    contextLength: 8192,
    licence: 'Apache-2.0',
    summary: 'Better video and image answers than 256M at about twice the cost.',
    supported: true,
    modules: SMOLVLM_MODULES(93 * M, 47 * M, 362 * M),
    kvBytesPerToken: 32 * 2 * 5 * 64 * 2,
  }),
  entry({
    repo: 'HuggingFaceTB/SmolVLM2-2.2B-Instruct',
    name: 'SmolVLM2 2.2B Instruct',
    family: 'smolvlm',
    modelType: 'smolvlm',
    size: '2.2B',
    contextLength: 8192,
    licence: 'Apache-2.0',
    summary: 'The strongest SmolVLM; needs a GPU or patience on CPU.',
    supported: true,
    modules: SMOLVLM_MODULES(400 * M, 101 * M, 1710 * M),
    kvBytesPerToken: 24 * 2 * 32 * 64 * 2,
  }),
  entry({
    repo: 'onnx-community/llava-onevision-qwen2-0.5b-ov-hf',
    name: 'LLaVA-OneVision Qwen2 0.5B',
    family: 'llava_onevision',
    modelType: 'llava_onevision',
    size: '0.9B',
    contextLength: 32768,
    licence: 'Apache-2.0',
    summary: 'AnyRes grid of 384 px crops plus a base view.',
    supported: true,
    modules: SMOLVLM_MODULES(400 * M, 136 * M, 494 * M),
    kvBytesPerToken: 24 * 2 * 2 * 64 * 2,
  }),
  entry({
    repo: 'onnx-community/Qwen2-VL-2B-Instruct',
    name: 'Qwen2-VL 2B Instruct',
    family: 'qwen2_vl',
    modelType: 'qwen2_vl',
    size: '2.2B',
    contextLength: 32768,
    licence: 'Apache-2.0',
    summary: 'Dynamic resolution: the image keeps its aspect ratio, 28 px per token.',
    supported: true,
    modules: SMOLVLM_MODULES(675 * M, 233 * M, 1544 * M),
    kvBytesPerToken: 28 * 2 * 2 * 128 * 2,
  }),
  entry({
    repo: 'onnx-community/LFM2-VL-450M-ONNX',
    name: 'LFM2-VL 450M',
    family: 'lfm2_vl',
    modelType: 'lfm2_vl',
    size: '450M',
    contextLength: 32768,
    licence: 'LFM Open License v1.0',
    summary: '512 px tiles plus a thumbnail; hybrid convolution/attention decoder.',
    supported: true,
    modules: SMOLVLM_MODULES(86 * M, 67 * M, 354 * M),
    kvBytesPerToken: 6 * 2 * 8 * 64 * 2,
  }),
  entry({
    repo: 'onnx-community/LFM2-VL-1.6B-ONNX',
    name: 'LFM2-VL 1.6B',
    family: 'lfm2_vl',
    modelType: 'lfm2_vl',
    size: '1.6B',
    contextLength: 32768,
    licence: 'LFM Open License v1.0',
    summary: 'The larger LFM2-VL: 512 px tiles plus a thumbnail.',
    supported: true,
    modules: SMOLVLM_MODULES(400 * M, 134 * M, 1170 * M),
    kvBytesPerToken: 6 * 2 * 8 * 64 * 2,
  }),
  entry({
    repo: 'onnx-community/FastVLM-0.5B-ONNX',
    name: 'FastVLM 0.5B',
    family: 'fastvlm',
    modelType: 'llava_qwen2',
    size: '0.6B',
    contextLength: 32768,
    licence: 'Apple ML Research Model Terms',
    summary: 'One high-resolution view through an efficient encoder, 256 tokens.',
    supported: true,
    modules: SMOLVLM_MODULES(125 * M, 136 * M, 494 * M),
    kvBytesPerToken: 24 * 2 * 2 * 64 * 2,
  }),
  entry({
    repo: 'onnx-community/Phi-3.5-vision-instruct',
    name: 'Phi-3.5 vision',
    family: 'phi3_v',
    modelType: 'phi3_v',
    size: '4.2B',
    contextLength: 131072,
    licence: 'MIT',
    summary: 'HD crops of 336 px; strong on charts and documents; large.',
    supported: true,
    // onnx-community's Phi-3(.5)-vision repos ship only these two variants (model_q4 with model_q4.onnx_data).
    dtypes: ['q4', 'q4f16'],
    modules: { vision_encoder: 304 * M, prepare_inputs_embeds: 98 * M, model: 3821 * M },
    kvBytesPerToken: 32 * 2 * 32 * 96 * 2,
  }),
  entry({
    repo: 'onnx-community/gemma-3-4b-it-ONNX',
    name: 'Gemma 3 4B',
    family: 'gemma3',
    modelType: 'gemma3',
    size: '4.3B',
    contextLength: 131072,
    licence: 'Gemma Terms of Use',
    summary: 'A fixed 896 px view with optional pan-and-scan crops.',
    supported: true,
    modules: SMOLVLM_MODULES(417 * M, 671 * M, 3880 * M),
    kvBytesPerToken: 34 * 2 * 4 * 256 * 2,
  }),
];

export const DEFAULT_MODEL_REPO = 'HuggingFaceTB/SmolVLM-256M-Instruct';

export function catalogEntry(repo: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.repo.toLowerCase() === repo.toLowerCase());
}

/** Whether a variant fits in this much memory: 'fits', 'tight' (within 85 %…100 %) or 'too-large'. */
export function memoryFit(variant: CatalogVariant, availableBytes: number): 'fits' | 'tight' | 'too-large' {
  if (variant.memoryBytes > availableBytes) return 'too-large';
  return variant.memoryBytes > 0.85 * availableBytes ? 'tight' : 'fits';
}
