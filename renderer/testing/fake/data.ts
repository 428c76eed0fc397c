/** The fake services' fixed data: the catalog, a model, generation stats and the canned answer. */
import { CATALOG, type CatalogEntry } from '../../../app/catalog.ts';
import type { GenerationStats } from '../../../app/chat.ts';
import type { ModelEntry } from '../../../app/ipc/contract.ts';

/**
 * The real catalog plus one entry Tessera cannot run, so the Models page's "not yet supported" path has data:
 * every family of the real catalog runs today, but an entry may be listed before its family lands.
 */
export const FAKE_CATALOG: readonly CatalogEntry[] = [
  ...CATALOG,
  {
    ...(CATALOG[0] as CatalogEntry),
    repo: 'tessera-test/InternVL3-1B',
    name: 'InternVL3 1B',
    family: 'internvl',
    modelType: 'internvl_chat',
    supported: false,
    unsupportedReason: 'Tessera does not run the InternVL family yet.',
  },
];
export const catalogEntry = (repo: string) => FAKE_CATALOG.find((e) => e.repo === repo);

export const FAKE_COMMIT = '8c3f7e1a2b4d6f80912a3b4c5d6e7f8091a2b3c4';

export const FAKE_MODEL: ModelEntry = {
  id: 'smolvlm-256m',
  name: 'SmolVLM 256M Instruct',
  dir: '/models/SmolVLM-256M-Instruct',
  family: 'smolvlm',
  contextLength: 8192,
  source: { repo: 'HuggingFaceTB/SmolVLM-256M-Instruct', commit: FAKE_COMMIT, variant: 'q4' },
  bytes: 171_966_464,
  removable: true,
};

/** A model entry with defaults for the fields a test does not care about. */
export function fakeModel(fields: Partial<ModelEntry> & Pick<ModelEntry, 'id'>): ModelEntry {
  return {
    name: fields.id,
    dir: `/models/${fields.id}`,
    family: 'smolvlm',
    contextLength: 8192,
    source: null,
    bytes: 100_000_000,
    removable: false,
    ...fields,
  };
}

export const FAKE_MODELS_DIR = '/home/me/.local/share/tessera/models';
export const DEFAULT_ENDPOINT = 'https://huggingface.co';
/** Files besides the graphs: configs and the tokenizer. */
export const EXTRA_FILES: Array<[string, number]> = [
  ['config.json', 4_200],
  ['generation_config.json', 160],
  ['preprocessor_config.json', 480],
  ['tokenizer.json', 3_548_000],
  ['tokenizer_config.json', 27_000],
];

export function fakeStats(generatedTokens: number): GenerationStats {
  return {
    promptTokens: 1234,
    cachedTokens: 0,
    generatedTokens,
    imagesEncoded: 1,
    imagesFromCache: 0,
    preprocessMs: 18,
    visionEncodeMs: 412,
    prefillMs: 96,
    timeToFirstTokenMs: 540,
    decodeTokensPerSecond: 48.3,
    overheadMsPerToken: 0.4,
    providers: {
      vision: { provider: 'cuda', dtype: 'fp16' },
      embed: { provider: 'cuda', dtype: 'fp16' },
      decoder: { provider: 'cuda', dtype: 'q4f16' },
    },
  };
}

export const ANSWER = `The error means the program tried to read a property of a value that is **undefined**.

In the screenshot, line 42 calls \`user.profile.name\`, but \`user.profile\` has not been loaded yet:

\`\`\`ts
const name = user.profile?.name ?? 'Anonymous';
\`\`\`

| Check | Why |
| --- | --- |
| Is the request finished? | The data arrives asynchronously |
| Is \`profile\` optional? | The API omits it for new users |

The cost grows as $O(n^2)$ for nested loops, and the total is $$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}.$$`;
