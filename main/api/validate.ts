/**
 * A chat completion request's body, checked: OpenAI features Tessera does not have (several choices, tools,
 * structured output, log probabilities) are refused by name before the schema runs, so the client learns
 * which field to drop rather than getting an answer that silently ignored it.
 */
import type { z } from 'zod';
import { invalid, unsupported } from './errors.ts';
import { chatCompletionRequestSchema } from './schemas.ts';
import type { ChatCompletionRequest } from './schemas.ts';

const present = (value: unknown) =>
  value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);

export function parseChatRequest(body: unknown): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('The request body must be a JSON object.');
  }
  const raw = body as Record<string, unknown>;
  if (present(raw.n) && raw.n !== 1) throw unsupported('n', 'n other than 1 (several choices)');
  for (const param of ['tools', 'tool_choice', 'functions', 'function_call', 'parallel_tool_calls']) {
    if (present(raw[param])) throw unsupported(param, `Tool calling (${param})`);
  }
  const format = raw.response_format as { type?: unknown } | null | undefined;
  if (present(format) && format?.type !== 'text') {
    throw unsupported('response_format', `response_format ${JSON.stringify(format?.type ?? format)}`);
  }
  if (raw.logprobs === true || present(raw.top_logprobs)) throw unsupported('logprobs', 'Log probabilities');
  if (present(raw.logit_bias) && Object.keys(raw.logit_bias as object).length > 0) {
    throw unsupported('logit_bias', 'logit_bias');
  }
  if (Array.isArray(raw.messages)) {
    for (const [i, message] of (raw.messages as unknown[]).entries()) {
      const m = (message ?? {}) as Record<string, unknown>;
      if (m.role === 'tool' || m.role === 'function') {
        throw unsupported(`messages[${i}].role`, `A ${m.role} message (tool calling)`);
      }
      if (present(m.tool_calls)) throw unsupported(`messages[${i}].tool_calls`, 'Tool calling (tool_calls)');
    }
  }
  const parsed = chatCompletionRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const param = paramOf(issue.path);
    throw invalid(`Invalid request: ${param || 'body'}: ${issue.message}`, param || null);
  }
  return parsed.data;
}

/** A zod path as OpenAI writes a param: `messages[0].content[1].image_url`. */
function paramOf(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i > 0 ? '.' : ''}${String(key)}`))
    .join('');
}
