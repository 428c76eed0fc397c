/**
 * A server's `/v1/models`, read with the SDK and checked: a server that answers something other than an
 * OpenAI model list (a web page, a proxy's login form) is refused with a message saying so, not taken for a
 * server with no models. Tessera's own server adds a `tessera` field per model (family, context length and
 * the JSON files its geometry reads), kept so the tile plan of its models can be drawn here.
 */
import { z } from 'zod';
import { TesseraError } from '../../app/errors.ts';
import { modelJsonSchema } from '../../app/remote.ts';
import type { RemoteModelRecord } from '../../app/remote.ts';
import { createClient, withRetries } from './client.ts';
import type { RemoteEndpoint, RetryPolicy } from './client.ts';

const tesseraExtension = z.object({
  family: z.string().optional(),
  context_length: z.number().int().min(0).optional(),
  model_json: modelJsonSchema.optional(),
});

const modelSchema = z.object({ id: z.string().min(1).max(1000), tessera: z.unknown().optional() });

/** Listings past this many models are cut (a hub-like server listing everything it could fetch). */
const MAX_MODELS = 1_000;

export async function listModels(
  endpoint: RemoteEndpoint,
  policy: RetryPolicy,
  timeoutMs: number,
): Promise<RemoteModelRecord[]> {
  const client = createClient(endpoint, timeoutMs);
  // The raw body rather than `client.models.list()`, whose page reads a missing `data` as no models: a web
  // page or a proxy's answer must be told apart from an empty server.
  const { data: body, response } = await withRetries(endpoint, policy, undefined, () =>
    client.get<unknown>('/models').withResponse(),
  );
  const type = response.headers.get('content-type') ?? 'no content type';
  if (!/json/i.test(type)) throw notAnApi(endpoint, `it answered ${type.split(';')[0]}`);
  const list = z.object({ data: z.array(z.unknown()) }).safeParse(body);
  if (!list.success) throw notAnApi(endpoint, 'no "data" list');
  const models: RemoteModelRecord[] = [];
  for (const item of list.data.data.slice(0, MAX_MODELS)) {
    const parsed = modelSchema.safeParse(item);
    if (!parsed.success) throw notAnApi(endpoint, 'a listed model has no "id"');
    models.push(recordOf(parsed.data));
  }
  return models;
}

function recordOf(item: z.infer<typeof modelSchema>): RemoteModelRecord {
  // Another Tessera's extension; a malformed one is ignored (the model still works, without a plan).
  const ext = tesseraExtension.safeParse(item.tessera ?? {});
  const json = ext.success ? (ext.data.model_json ?? null) : null;
  return {
    name: item.id,
    contextLength: ext.success ? (ext.data.context_length ?? null) : null,
    json: json ? { ...json, processor_config: json.processor_config ?? null } : null,
  };
}

function notAnApi(endpoint: RemoteEndpoint, why: string): TesseraError {
  return new TesseraError(
    'REMOTE_REFUSED',
    `${endpoint.baseUrl}/models is not an OpenAI-compatible model list (${why}). ` +
      'The address should be the API root, usually ending in /v1 (e.g. http://host:8000/v1).',
  );
}
