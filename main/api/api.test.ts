/**
 * The OpenAI-compatible server on a real port, driven by the official `openai` SDK, over the services with a
 * real engine process on a generated tiny model: models, answers streamed and not, images as data: URLs,
 * a client that aborts mid-stream, the queue shared with the app's own answers, and every refusal in
 * OpenAI's error shape as the SDK's error classes read it.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServerStatus } from '../../app/ipc/contract.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { startHarness } from '../services/testing/harness.ts';
import type { Harness } from '../services/testing/harness.ts';
import type { ChatCompletion, ChatCompletionChunk } from './schemas.ts';

let h: Harness;
let status: ApiServerStatus;
let client: OpenAI;
let model: string;

beforeAll(async () => {
  // A long context, so an answer asked for 30,000 tokens is still running whenever a test stops it.
  const dir = await testModelDir({
    family: 'smolvlm',
    size: 'tiny',
    dtype: 'fp32',
    seed: 1,
    contextLength: 32_768,
  });
  h = startHarness({ modelDirs: [dir], api: { port: 0 } });
  status = await h.call('api.configure', { enabled: true });
  client = new OpenAI({ baseURL: status.url as string, apiKey: status.key, maxRetries: 0 });
  model = (await client.models.list()).data[0]?.id as string;
});

afterAll(async () => {
  await h?.close();
});

const ask = (content: OpenAI.Chat.ChatCompletionUserMessageParam['content']) => [
  { role: 'user' as const, content },
];

/** The SDK's error for a request expected to fail. */
async function refusal(request: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await request;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('the request succeeded but was expected to fail');
}

/** The next api.status event (from now on) that passes `test`. */
function apiStatus(test: (s: ApiServerStatus) => boolean): Promise<ApiServerStatus> {
  return h.next('api.status', test, h.events.length);
}

describe('the OpenAI-compatible server', () => {
  it('listens on loopback with a generated key and lists the installed models with their JSON files', async () => {
    expect(status).toMatchObject({ state: 'listening', keySource: 'stored', running: 0, waiting: 0 });
    expect(status.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(status.key).toMatch(/^tsk-[\w-]{32}$/);
    const list = await client.models.list();
    expect(list.data).toHaveLength(1);
    const [entry] = list.data as (OpenAI.Models.Model & { tessera?: Record<string, unknown> })[];
    const installed = await h.call('models.list', {});
    expect(entry).toMatchObject({ id: installed[0]?.name, object: 'model', owned_by: 'tessera' });
    expect(entry?.tessera).toMatchObject({
      family: 'smolvlm',
      context_length: 32_768,
      model_json: { config: { model_type: 'smolvlm' }, processor_config: expect.anything() },
    });
    expect(Object.keys((entry?.tessera?.model_json as object) ?? {})).toEqual([
      'config',
      'preprocessor_config',
      'processor_config',
    ]);
    expect((await client.models.retrieve(model)).id).toBe(model);
  });

  it('answers in one JSON object with usage from the engine and the tessera timings', async () => {
    const answer = (await client.chat.completions.create({
      model,
      messages: [{ role: 'system', content: 'Be brief.' }, ...ask('What is this?')],
      max_tokens: 5,
    })) as unknown as ChatCompletion;
    expect(answer.object).toBe('chat.completion');
    expect(answer.id).toMatch(/^chatcmpl-/);
    expect(answer.model).toBe(model);
    expect(answer.choices).toHaveLength(1);
    expect(answer.choices[0]).toMatchObject({
      index: 0,
      finish_reason: 'length',
      message: { role: 'assistant' },
    });
    expect(answer.choices[0]?.message.content.length).toBeGreaterThan(0);
    expect(answer.usage.completion_tokens).toBe(5);
    expect(answer.usage.prompt_tokens).toBeGreaterThan(5);
    expect(answer.usage.total_tokens).toBe(answer.usage.prompt_tokens + 5);
    expect(answer.tessera).toMatchObject({ plans: [], model: { family: 'smolvlm' } });
    expect(answer.tessera?.timings.prefill_ms).toBeGreaterThan(0);
  });

  it('streams chunks, then the finish, then usage with no choices when include_usage is asked', async () => {
    const messages = ask('Tell me about tiles.');
    const whole = await client.chat.completions.create({ model, messages, max_tokens: 6 });
    const stream = await client.chat.completions.create({
      model,
      messages,
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk as unknown as ChatCompletionChunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    // Greedy (the settings' temperature 0): the same answer as the one-object request.
    expect(text).toBe(whole.choices[0]?.message.content);
    const finish = chunks.at(-2);
    expect(finish?.choices[0]?.finish_reason).toBe('length');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ completion_tokens: 6, prompt_tokens: whole.usage?.prompt_tokens });
    expect(last?.tessera?.model.family).toBe('smolvlm');
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it("serves a follow-up's earlier turns from the engine's cache (one KV thread for the API)", async () => {
    const first = ask('Tell me about the first picture.');
    const answer = await client.chat.completions.create({ model, messages: first, max_tokens: 4 });
    const followUp = await client.chat.completions.create({
      model,
      messages: [
        ...first,
        { role: 'assistant', content: answer.choices[0]?.message.content ?? '' },
        { role: 'user', content: 'And then?' },
      ],
      max_tokens: 2,
    });
    const cached = followUp.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    // At least the first question came from the cache; the new turn was prefilled.
    expect(cached).toBeGreaterThanOrEqual(answer.usage?.prompt_tokens as number);
    expect(cached).toBeLessThan(followUp.usage?.prompt_tokens as number);
  });

  it('maps the penalties, stop strings and seed to the engine', async () => {
    const messages = ask('Repeat after me.');
    const plain = await client.chat.completions.create({ model, messages, max_tokens: 24 });
    const penalised = await client.chat.completions.create({
      model,
      messages,
      max_tokens: 24,
      frequency_penalty: 2,
      presence_penalty: 2,
    });
    // Greedy decoding of the same prompt: only the penalties can make the answers differ.
    expect(penalised.choices[0]?.message.content).not.toBe(plain.choices[0]?.message.content);
    const text = plain.choices[0]?.message.content ?? '';
    const stop = text.slice(4, 7);
    const stopped = await client.chat.completions.create({ model, messages, max_tokens: 24, stop });
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
    expect(stopped.choices[0]?.message.content).toBe(text.slice(0, text.indexOf(stop)));
    const sampled = (seed: number) =>
      client.chat.completions
        .create({ model, messages, max_tokens: 12, temperature: 1.5, seed })
        .then((answer) => answer.choices[0]?.message.content);
    expect(await sampled(7)).toBe(await sampled(7));
    const wrong = await refusal(client.chat.completions.create({ model, messages, frequency_penalty: 3 }));
    expect(wrong).toMatchObject({ status: 400, param: 'frequency_penalty' });
  });

  it('takes an image as a data: URL and answers with its tile plan', async () => {
    const png = Buffer.from(await noiseImage(150, 100, 4)).toString('base64');
    const answer = (await client.chat.completions.create({
      model,
      messages: ask([
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png}`, detail: 'low' } },
        { type: 'text', text: 'What is in the picture?' },
      ]),
      max_tokens: 3,
    })) as unknown as ChatCompletion;
    const plans = answer.tessera?.plans ?? [];
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({
      family: 'smolvlm',
      detail: 'low',
      original: { width: 150, height: 100 },
    });
    // The image's tokens are in the prompt.
    expect(answer.usage.prompt_tokens).toBeGreaterThan(plans[0]?.promptTokens as number);
    const auto = (await client.chat.completions.create({
      model,
      messages: ask([{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }]),
      max_tokens: 1,
    })) as unknown as ChatCompletion;
    expect(auto.tessera?.plans[0]?.detail).toBe('high'); // SmolVLM's default detail
  });

  it('stops the generation when the client aborts mid-stream, and serves the next request and the app', async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: ask('Go on and on.'),
      max_tokens: 30_000,
      stream: true,
    });
    let chunks = 0;
    const idle = apiStatus((s) => s.running === 0 && s.waiting === 0);
    // A client that aborts stops reading: events already in its buffer would otherwise still be yielded.
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) chunks++;
      if (chunks === 3) {
        stream.controller.abort();
        break;
      }
    }
    await idle;
    // Counted as running until the engine returned: it stopped rather than generate 30,000 tokens.
    expect(h.engine.status.state).toBe('ready');
    const next = await client.chat.completions.create({ model, messages: ask('Next.'), max_tokens: 2 });
    expect(next.usage?.completion_tokens).toBe(2);
    const thread = await h.call('threads.create', {});
    const sent = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: [{ type: 'text', text: 'And the app?' }],
    });
    expect((await h.done(sent.assistantMessage.id)).status).toBe('complete');
  });

  it('drops a waiting request whose client leaves, without touching the one running', async () => {
    const running = await client.chat.completions.create({
      model,
      messages: ask('A long answer.'),
      max_tokens: 30_000,
      stream: true,
    });
    const iterator = running[Symbol.asyncIterator]();
    await iterator.next();
    const queued = apiStatus((s) => s.running === 1 && s.waiting === 1);
    const leaving = new AbortController();
    const waiting = client.chat.completions
      .create({ model, messages: ask('Never mind.'), max_tokens: 2 }, { signal: leaving.signal })
      .catch((error: unknown) => error);
    await queued;
    const left = apiStatus((s) => s.running === 1 && s.waiting === 0);
    leaving.abort();
    expect(await waiting).toBeInstanceOf(OpenAI.APIUserAbortError);
    await left;
    expect((await iterator.next()).done).toBe(false); // Still streaming.
    const idle = apiStatus((s) => s.running === 0 && s.waiting === 0);
    running.controller.abort();
    await idle;
  });

  it('lets a waiting app answer go before waiting API requests, and never pre-empts the one running', async () => {
    const order: string[] = [];
    const running = await client.chat.completions.create({
      model,
      messages: ask('A long answer.'),
      max_tokens: 30_000,
      stream: true,
    });
    const iterator = running[Symbol.asyncIterator]();
    await iterator.next(); // It runs: the role chunk came with its first text.
    const queued = apiStatus((s) => s.running === 1 && s.waiting === 1);
    const waitingApi = client.chat.completions
      .create({ model, messages: ask('Me next?'), max_tokens: 2 })
      .then((answer) => (order.push('api'), answer));
    await queued;
    const thread = await h.call('threads.create', {});
    const sent = await h.call('chat.send', {
      threadId: thread.id,
      parentId: null,
      content: [{ type: 'text', text: 'The app asks after the API request.' }],
    });
    const appDone = h.done(sent.assistantMessage.id).then((message) => (order.push('app'), message));
    // The running stream still streams: nothing took its turn.
    expect((await iterator.next()).done).toBe(false);
    expect(order).toEqual([]);
    running.controller.abort();
    const [answer, message] = await Promise.all([waitingApi, appDone]);
    expect(order).toEqual(['app', 'api']);
    expect(message.status).toBe('complete');
    expect(answer.usage?.completion_tokens).toBe(2);
  });
});

describe('refusals in OpenAI’s error shape', () => {
  it('401 without a key or with a wrong one', async () => {
    const noKey = new OpenAI({
      baseURL: status.url as string,
      apiKey: 'unused',
      maxRetries: 0,
      fetch: (url, init) => {
        const headers = new Headers(init?.headers);
        headers.delete('authorization');
        return fetch(url, { ...init, headers });
      },
    });
    const missing = await refusal(noKey.models.list());
    expect(missing).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(missing.status).toBe(401);
    expect(missing.code).toBe('invalid_api_key');
    expect(missing.message).toContain('Authorization: Bearer');
    const wrong = new OpenAI({ baseURL: status.url as string, apiKey: `${status.key}x`, maxRetries: 0 });
    const refused = await refusal(wrong.chat.completions.create({ model, messages: ask('hi') }));
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(refused.code).toBe('invalid_api_key');
  });

  it('404 model_not_found for a model that is not installed', async () => {
    const error = await refusal(client.chat.completions.create({ model: 'gpt-4o', messages: ask('hi') }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    expect(error.message).toContain(model);
  });

  it('400 naming the parameter for n, tools, response_format and logprobs', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 2 }, 'n'],
      [{ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] }, 'tools'],
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ logprobs: true }, 'logprobs'],
    ];
    for (const [extra, param] of cases) {
      const error = await refusal(
        client.chat.completions.create({ model, messages: ask('hi'), ...extra } as never),
      );
      expect(error, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ status: 400, param, code: 'unsupported_parameter' });
      expect(error.error).toMatchObject({ type: 'invalid_request_error' });
    }
    // A plain text format is what Tessera does anyway.
    const text = await client.chat.completions.create({
      model,
      messages: ask('hi'),
      max_tokens: 1,
      response_format: { type: 'text' },
    });
    expect(text.choices).toHaveLength(1);
  });

  it('400 for a body that is not JSON, and for a field of the wrong type', async () => {
    const garbling = new OpenAI({
      baseURL: status.url as string,
      apiKey: status.key,
      maxRetries: 0,
      fetch: (url, init) => fetch(url, { ...init, body: '{"model": "x", "messages": [' }),
    });
    const error = await refusal(garbling.chat.completions.create({ model, messages: ask('hi') }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe('invalid_json');
    const typed = await refusal(
      client.chat.completions.create({ model, messages: ask('hi'), temperature: 'hot' } as never),
    );
    expect(typed).toMatchObject({ status: 400, param: 'temperature' });
  });

  it('400 context_length_exceeded for a conversation longer than the context window', async () => {
    const error = await refusal(
      client.chat.completions.create({ model, messages: ask('word '.repeat(40_000)), max_tokens: 1 }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe('context_length_exceeded');
    // The engine is free again: the next request is answered.
    const next = await client.chat.completions.create({ model, messages: ask('Short.'), max_tokens: 1 });
    expect(next.choices).toHaveLength(1);
  });

  it('413 for a body over 64 MiB', async () => {
    const error = await refusal(
      client.chat.completions.create({ model, messages: ask('x'.repeat(65 * 1024 * 1024)) }),
    );
    expect(error.status).toBe(413);
    expect(error.code).toBe('request_too_large');
  });

  it('400 for an http image URL (not fetched) and for image data that is not an image', async () => {
    const remote = await refusal(
      client.chat.completions.create({
        model,
        messages: ask([{ type: 'image_url', image_url: { url: 'http://127.0.0.1:9/cat.png' } }]),
      }),
    );
    expect(remote).toMatchObject({
      status: 400,
      code: 'image_url_not_allowed',
      param: 'messages[0].content[0].image_url',
    });
    expect(remote.message).toContain('data: URL');
    const notImage = await refusal(
      client.chat.completions.create({
        model,
        messages: ask([
          { type: 'text', text: 'What is it?' },
          {
            type: 'image_url',
            image_url: { url: `data:image/png;base64,${Buffer.from('not a png').toString('base64')}` },
          },
        ]),
      }),
    );
    expect(notImage).toMatchObject({
      status: 400,
      code: 'invalid_image_format',
      param: 'messages[0].content[1].image_url',
    });
    const truncated = Buffer.from(await noiseImage(64, 64, 2))
      .subarray(0, 200)
      .toString('base64');
    const cut = await refusal(
      client.chat.completions.create({
        model,
        messages: ask([{ type: 'image_url', image_url: { url: `data:image/png;base64,${truncated}` } }]),
      }),
    );
    expect(cut).toMatchObject({ status: 400, code: 'invalid_image' });
  });
});

/** A raw HTTP request to the API server, with headers fetch would not let a test set (Host). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(`${status.url as string}${path}`);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('who may ask', () => {
  it('refuses a Host that is not this machine while bound to loopback (DNS rebinding)', async () => {
    const auth = { authorization: `Bearer ${status.key}` };
    const rebound = await raw('GET', '/models', {
      ...auth,
      host: `attacker.example:${new URL(status.url as string).port}`,
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: 'bad_host' } });
    expect((await raw('GET', '/models', { ...auth, host: 'localhost' })).status).toBe(200);
  });

  it('answers CORS only for the one origin chosen, and not at all by default', async () => {
    const preflight = (origin: string) =>
      raw('OPTIONS', '/chat/completions', {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      });
    const off = await preflight('https://notes.example');
    expect(off.status).toBe(403);
    expect(off.headers['access-control-allow-origin']).toBeUndefined();
    await h.call('api.configure', { corsOrigin: 'https://notes.example' });
    try {
      const allowed = await preflight('https://notes.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://notes.example');
      // The openai SDK's own headers too, as a browser page using it asks for them.
      expect(allowed.headers['access-control-allow-headers']).toBe(
        'authorization, content-type, x-stainless-os',
      );
      expect((await preflight('https://other.example')).status).toBe(403);
      const list = await raw('GET', '/models', {
        origin: 'https://notes.example',
        authorization: `Bearer ${status.key}`,
      });
      expect(list.headers['access-control-allow-origin']).toBe('https://notes.example');
    } finally {
      await h.call('api.configure', { corsOrigin: '' });
    }
  });

  it('a regenerated key works at once and the old one stops working', async () => {
    const renewed = await h.call('api.regenerateKey', {});
    try {
      expect(renewed.key).not.toBe(status.key);
      const old = await refusal(client.models.list());
      expect(old.status).toBe(401);
      const fresh = new OpenAI({ baseURL: renewed.url as string, apiKey: renewed.key, maxRetries: 0 });
      expect((await fresh.models.list()).data).toHaveLength(1);
    } finally {
      client = new OpenAI({ baseURL: renewed.url as string, apiKey: renewed.key, maxRetries: 0 });
      status = renewed;
    }
  });
});

describe('image URLs, where the user allows fetching them', () => {
  it('fetches an http image with its tile plan, and says so when the address fails', async () => {
    const png = await noiseImage(80, 60, 9);
    const images = createServer((req, res) => {
      if (req.url === '/cat.png') res.writeHead(200, { 'Content-Type': 'image/png' }).end(png);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    await h.call('api.configure', { fetchImageUrls: true });
    try {
      const answer = (await client.chat.completions.create({
        model,
        messages: ask([{ type: 'image_url', image_url: { url: `${base}/cat.png`, detail: 'low' } }]),
        max_tokens: 1,
      })) as unknown as ChatCompletion;
      expect(answer.tessera?.plans[0]?.original).toEqual({ width: 80, height: 60 });
      const missing = await refusal(
        client.chat.completions.create({
          model,
          messages: ask([{ type: 'image_url', image_url: { url: `${base}/gone.png` } }]),
        }),
      );
      expect(missing).toMatchObject({ status: 400, code: 'image_fetch_failed' });
      expect(missing.message).toContain('HTTP 404');
    } finally {
      await h.call('api.configure', { fetchImageUrls: false });
      images.close();
    }
  });
});

describe('the server as a setting', () => {
  it('listens on every interface once other devices are allowed, and lists the addresses they use', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const other = startHarness({ modelDirs: [] });
    try {
      const local = await other.call('api.configure', { enabled: true, port });
      expect(local.networkUrls).toEqual([]);
      const shared = await other.call('api.configure', { allowNetwork: true });
      expect(shared).toMatchObject({ state: 'listening', url: `http://127.0.0.1:${port}/v1` });
      for (const url of shared.networkUrls) {
        expect(url).toMatch(new RegExp(`^http://\\d+\\.\\d+\\.\\d+\\.\\d+:${port}/v1$`));
        // Reached by its address: no loopback Host check any more.
        const list = await fetch(`${url}/models`, { headers: { Authorization: `Bearer ${shared.key}` } });
        expect(list.status).toBe(200);
      }
    } finally {
      await other.close();
    }
  });

  it('says a port in use in its status instead of failing, and listens once another port is chosen', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as AddressInfo).port;
    // No model and no port override: only the server's settings matter here.
    const other = startHarness({ modelDirs: [] });
    try {
      const failed = await other.call('api.configure', { enabled: true, port: taken });
      expect(failed).toMatchObject({ state: 'failed', url: null });
      expect(failed.error).toBe(`Port ${taken} is in use by another program; choose another port.`);
      squatter.close();
      await new Promise((resolve) => squatter.once('close', resolve));
      const listening = await other.call('api.configure', { port: taken });
      expect(listening).toMatchObject({
        state: 'listening',
        url: `http://127.0.0.1:${taken}/v1`,
        error: null,
      });
      const off = await other.call('api.configure', { enabled: false });
      expect(off).toMatchObject({ state: 'off', url: null });
      // The settings and key are kept for the next start.
      expect(other.store.getLocalSettings().apiServer).toMatchObject({
        enabled: false,
        port: taken,
        key: off.key,
      });
    } finally {
      squatter.close();
      await other.close();
    }
  });
});
