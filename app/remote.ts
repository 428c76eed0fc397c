/**
 * Remote OpenAI-compatible servers (vLLM, Ollama, llama.cpp, LM Studio, another Tessera) as model sources:
 * what the renderer sees of a server, and how a remote model is named where a local model's id goes (a
 * thread's `modelId`, the settings' `activeModelId`). Declared once, used by both sides.
 */
import { z } from 'zod';

/** A server as the renderer sees it: never its API key, only whether it has one. */
export interface RemoteServerView {
  id: string;
  /** Shown beside its models in the picker (default: the host). */
  name: string;
  /** Ends in the API's root, e.g. `http://gpu-box:8000/v1`. */
  baseUrl: string;
  hasKey: boolean;
  /** The model names its `/v1/models` listed last time it answered. */
  models: string[];
  /** When it last answered its `/v1/models` (ms since 1970), or null when it never did. */
  checkedAt: number | null;
  /** Why the last listing failed, in one line that says what to do; null when it answered. */
  problem: string | null;
}

/** What a ModelEntry carries for a remote model. */
export interface RemoteModelRef {
  serverId: string;
  serverName: string;
  baseUrl: string;
  /** The model's name on that server (what its `/v1/models` lists and chat requests name). */
  model: string;
  /** Whether Tessera knows the model's family, so it can draw the tile plan and count tokens. */
  planKnown: boolean;
  /** The Hub repo the user named for its family, if any (`remote.setFamilySource`). */
  familyRepo: string | null;
}

/** The JSON files a family's geometry reads, as a Tessera server's `/v1/models` extension carries them. */
export const modelJsonSchema = z.object({
  config: z.record(z.string(), z.unknown()),
  preprocessor_config: z.record(z.string(), z.unknown()),
  processor_config: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** One model as a server listed it; `json` only where the server said (Tessera's extension). */
export const remoteModelRecordSchema = z.object({
  name: z.string().min(1).max(1000),
  contextLength: z.number().int().min(0).nullable(),
  json: modelJsonSchema.nullable(),
});

/** A Hub repo the user named for a remote model's family, and its JSON files as fetched then. */
export const familyHintSchema = z.object({ repo: z.string().min(1).max(300), json: modelJsonSchema });

/** A server as the store keeps it (the key is kept apart, like the Hub token). */
export const remoteServerRecordSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{8,32}$/),
  name: z.string().min(1).max(200),
  baseUrl: z.string().min(1).max(500),
  models: z.array(remoteModelRecordSchema).max(10_000),
  checkedAt: z.number().nullable(),
  problem: z.string().nullable(),
  /** By model name: where its family comes from when the server does not say (kept across refreshes). */
  hints: z.record(z.string(), familyHintSchema).optional(),
});

export type RemoteModelRecord = z.infer<typeof remoteModelRecordSchema>;
export type RemoteServerRecord = z.infer<typeof remoteServerRecordSchema>;

const PREFIX = 'remote:';
/** Model ids are at most 100 characters (the contract's `id`): longer names go by a hash instead. */
const MAX_ID = 100;

/**
 * The id of a remote model where a model id goes: `remote:<serverId>:<model>`, or with a long model name
 * (llama.cpp lists file paths) `remote:<serverId>#<hash of the name>`.
 */
export function remoteModelId(serverId: string, model: string): string {
  const plain = `${PREFIX}${serverId}:${model}`;
  return plain.length <= MAX_ID ? plain : `${PREFIX}${serverId}#${fnv1a(model)}`;
}

export function isRemoteModelId(id: string | null | undefined): boolean {
  return typeof id === 'string' && id.startsWith(PREFIX);
}

/** The server id of a remote model id, or null when it is not one. */
export function serverIdOf(id: string): string | null {
  if (!isRemoteModelId(id)) return null;
  return /^remote:([0-9a-f]+)[:#]/.exec(id)?.[1] ?? null;
}

/** A short, stable hash (FNV-1a, 64 bits as hex): enough to tell one server's model names apart. */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
