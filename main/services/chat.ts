/**
 * chat.*: questions and answers as a tree. Sending, editing and regenerating add messages (edits and
 * regenerations as siblings of the old version) and return at once; the answer streams in the background
 * through GenerationQueue. The engine's KV cache is keyed by the thread id: it matches token prefixes
 * itself, so switching branches only costs the part that differs.
 */
import type {
  Handlers,
  Message,
  MessagePart,
  ModelEntry,
  RequestInput,
  TokenEstimate,
  VideoRef,
} from '../../app/ipc/contract.ts';
import type { FamilyGeometry } from '../../models/families/family.ts';
import type { Context } from './context.ts';
import { familyOf, targetFor } from './context.ts';
import { chatMessages, estimateTokens, samplingOf, systemPromptOf, textOf } from './conversation.ts';
import { badRequest, notFound } from './errors.ts';
import type { EngineClient } from '../../models/engine/client.ts';
import { fitToContext } from './context-fit.ts';
import { earlierImagesAtLow, withEarlierAtLow } from './earlier-images.ts';
import { GenerationQueue } from './generation.ts';
import type { PreparedJob, RemoteJob } from './generation.ts';
import { remoteJob } from '../remote/remote-job.ts';
import { unknownPlanReason } from '../remote/plan.ts';

type Content = RequestInput<'chat.send'>['content'];
type ChatHandlers = Pick<
  Handlers,
  | 'chat.send'
  | 'chat.edit'
  | 'chat.regenerate'
  | 'chat.retry'
  | 'chat.stop'
  | 'chat.estimate'
  | 'chat.confidence'
>;

export function chatHandlers(ctx: Context): { handlers: ChatHandlers; queue: GenerationQueue } {
  const { store } = ctx;
  const queue = new GenerationQueue(ctx, (messageId) => prepare(ctx, messageId));

  const message = (id: string): Message => store.getMessage(id) ?? raise(notFound('The message'));
  const thread = (id: string) => store.getThread(id)?.thread ?? raise(notFound('The thread'));

  /** Stores a question under `parentId` and an empty answer under it, and queues the answer. */
  const ask = (threadId: string, parentId: string | null, content: Content) => {
    const parts = toParts(ctx, content);
    const userMessage = store.addMessage({ threadId, parentId, role: 'user', parts, status: 'complete' });
    return { userMessage, assistantMessage: answer(threadId, userMessage.id) };
  };

  const answer = (threadId: string, questionId: string): Message => {
    const assistant = store.addMessage({
      threadId,
      parentId: questionId,
      role: 'assistant',
      parts: [{ type: 'text', text: '' }],
      status: 'streaming',
    });
    queue.enqueue(assistant.id, threadId);
    ctx.events.emit('threads.changed', { threadId });
    return assistant;
  };

  const handlers: ChatHandlers = {
    'chat.send': async ({ threadId, parentId, content }) => {
      thread(threadId);
      if (parentId !== null) checkParent(message(parentId), threadId);
      return ask(threadId, parentId, content);
    },
    'chat.edit': async ({ messageId, content }) => {
      const original = message(messageId);
      if (original.role !== 'user')
        throw badRequest('Only questions can be edited; regenerate an answer instead.');
      thread(original.threadId);
      return ask(original.threadId, original.parentId, content);
    },
    'chat.regenerate': async ({ messageId }) => {
      const original = message(messageId);
      if (original.role !== 'assistant' || original.parentId === null) {
        throw badRequest('Only answers can be regenerated; edit a question instead.');
      }
      thread(original.threadId);
      return { assistantMessage: answer(original.threadId, original.parentId) };
    },
    'chat.retry': async ({ messageId }) => {
      const failed = message(messageId);
      if (failed.role !== 'assistant' || failed.parentId === null)
        throw badRequest('Only answers can be retried.');
      if (failed.status !== 'failed' && failed.status !== 'interrupted') {
        throw badRequest(
          `This answer is ${failed.status}; only failed or interrupted answers can be retried.`,
        );
      }
      thread(failed.threadId);
      // The Store cannot clear a message's text, so an answer that got partway becomes a new version
      // beside the old one; an empty one is retried in place.
      if (textOf(failed.parts) !== '') return { assistantMessage: answer(failed.threadId, failed.parentId) };
      const assistantMessage = store.finishMessage(messageId, {
        status: 'streaming',
        stats: null,
        error: null,
      });
      queue.enqueue(messageId, failed.threadId);
      ctx.events.emit('threads.changed', { threadId: failed.threadId });
      return { assistantMessage };
    },
    'chat.stop': async ({ messageId }) => queue.stop(messageId),
    'chat.confidence': async ({ messageId }) => {
      const found = message(messageId);
      return found.role === 'assistant' ? store.confidenceOf(found.id) : null;
    },
    'chat.estimate': async ({ threadId, parentId, content }) => {
      const t = thread(threadId);
      let path: Message[] = [];
      if (parentId !== null) {
        checkParent(message(parentId), threadId);
        path = store.pathTo(parentId);
      }
      const model = ctx.models.resolve(t.modelId ?? store.getSettings().activeModelId);
      const draft = { id: '', role: 'user' as const, parts: toParts(ctx, content) };
      const systemPrompt = systemPromptOf(t, store.getSettings());
      if (model.remote) return estimateRemote(ctx, model, [...path, draft], systemPrompt);
      const measure = async (messages: ReadonlyArray<Pick<Message, 'id' | 'role' | 'parts'>>) => {
        const exact = await countWithEngine(ctx, model.dir, messages, systemPrompt);
        if (exact !== null) {
          return {
            promptTokens: exact,
            contextLength: model.contextLength,
            fits: exact < model.contextLength,
            exact: true,
          };
        }
        const family = ctx.families.get(model.dir);
        return estimateTokens(
          messages,
          systemPrompt,
          (size, detail) => family.planImage({ width: size.width, height: size.height }, detail),
          model.contextLength,
          videoTokensOf(family),
        );
      };
      // Counted as a send will build it; where it does not fit, also with earlier images at Low detail.
      if (t.earlierImagesLow) return measure(earlierImagesAtLow([...path, draft]).path);
      return withEarlierAtLow([...path, draft], measure);
    },
  };
  return { handlers, queue };
}

/**
 * The prompt's exact token count from the engine (the model's chat template and tokenizer, as a send will
 * build it), or null when the engine does not have this model loaded and ready: then the meter shows the
 * quick estimate rather than wait for a load.
 */
async function countWithEngine(
  ctx: Context,
  dir: string,
  path: ReadonlyArray<Pick<Message, 'id' | 'role' | 'parts'>>,
  systemPrompt: string,
): Promise<number | null> {
  const { engine, store } = ctx;
  if (engine.target?.dir !== dir || !['ready', 'busy'].includes(engine.status.state)) return null;
  // The draft has no id yet, so no token ids of its own.
  const tokenIds = (id: string) => (id ? store.tokenIdsOf(id) : null);
  try {
    return await engine.withEngine((client) => countPrompt(client, path, systemPrompt, tokenIds));
  } catch (error) {
    ctx.log('counting tokens with the engine failed; showing the estimate', error);
    return null;
  }
}

/** The engine request for an answer: the path to its question, with the thread's settings. */
function prepare(ctx: Context, messageId: string): PreparedJob | RemoteJob {
  const { store } = ctx;
  const answer = store.getMessage(messageId) ?? raise(notFound('The answer'));
  const thread = store.getThread(answer.threadId)?.thread ?? raise(notFound('The thread'));
  const settings = store.getSettings();
  const stored = answer.parentId ? store.pathTo(answer.parentId) : [];
  const { path, lowered } = thread.earlierImagesLow
    ? earlierImagesAtLow(stored)
    : { path: stored, lowered: [] };
  const systemPrompt = systemPromptOf(thread, settings);
  const bytes = (sha: string) => store.getImageBytes(sha);
  const tokenIds = (id: string) => store.tokenIdsOf(id);
  const messages = chatMessages(path, systemPrompt, bytes, tokenIds);
  // Every local answer records its token probabilities for confidence shading (cheap: sampling.ts).
  const sampling = samplingOf(thread, settings, { confidence: true, ...ctx.sampling });
  const request = { threadId: thread.id, messages, sampling };
  const chosen = ctx.models.resolve(thread.modelId ?? settings.activeModelId);
  if (chosen.remote) {
    // The server counts and fits its own context; what cannot fit it refuses, and the answer says so.
    const remote = ctx.remote.find(chosen.id, ctx.models.listLocal()) ?? raise(notFound('The remote model'));
    return remoteJob(ctx.remote, remote, messages, request.sampling);
  }
  const policy = thread.contextOverflow ?? settings.contextOverflow;
  if (policy === 'stop') return { request, target: targetFor(ctx, thread), lowered };
  const { contextLength } = ctx.models.resolve(thread.modelId ?? settings.activeModelId);
  // Room for an answer: the prompt leaves a share of the window, up to the answer's maximum length.
  const room = Math.max(1, Math.min(request.sampling.maxTokens ?? 512, Math.floor(contextLength / 4)));
  const fit = async (client: EngineClient) => {
    const count = (kept: readonly Message[]) => countPrompt(client, kept, systemPrompt, tokenIds);
    const fitted = await fitToContext(path, policy, contextLength - room, count);
    if (fitted.dropped.length === 0) return { request, dropped: [] };
    return {
      request: { ...request, messages: chatMessages(fitted.path, systemPrompt, bytes, tokenIds) },
      dropped: fitted.dropped,
    };
  };
  return { request, target: targetFor(ctx, thread), fit, lowered };
}

/**
 * A remote model's prompt, estimated with its family's plans where Tessera knows the family (the server's
 * own tokenizer is out of reach: never exact); otherwise the count is unknown and the meter says so.
 */
function estimateRemote(
  ctx: Context,
  model: ModelEntry,
  messages: ReadonlyArray<Pick<Message, 'id' | 'role' | 'parts'>>,
  systemPrompt: string,
): TokenEstimate {
  const family = familyOf(ctx, model);
  if (!family) {
    return {
      promptTokens: 0,
      contextLength: model.contextLength,
      fits: true,
      exact: false,
      unknown: unknownPlanReason(model),
    };
  }
  const estimate = estimateTokens(
    messages,
    systemPrompt,
    (size, detail) => family.planImage(size, detail),
    model.contextLength,
    videoTokensOf(family),
  );
  // A server that did not say its context length: nothing to compare with, so nothing is refused here.
  return model.contextLength > 0 ? estimate : { ...estimate, fits: true };
}

/**
 * The prompt the engine would build for `path`, in tokens: images go by hash and size, videos' frames by
 * hash (the plan needs only the clip's facts), never by bytes.
 */
async function countPrompt(
  client: EngineClient,
  path: ReadonlyArray<Pick<Message, 'id' | 'role' | 'parts'>>,
  systemPrompt: string,
  tokenIds: (messageId: string) => number[] | null,
): Promise<number> {
  const messages = chatMessages(path, systemPrompt, null, tokenIds);
  return (await client.request('countTokens', { messages, sizes: imageSizes(path) })).promptTokens;
}

/** The oriented size of every image in the messages, by hash: all the engine needs to plan them. */
function imageSizes(
  messages: ReadonlyArray<Pick<Message, 'parts'>>,
): Record<string, { width: number; height: number }> {
  const sizes: Record<string, { width: number; height: number }> = {};
  for (const message of messages) {
    for (const part of message.parts) {
      if (part.type === 'image')
        sizes[part.image.sha256] = { width: part.image.width, height: part.image.height };
    }
  }
  return sizes;
}

function checkParent(parent: Message, threadId: string): void {
  if (parent.threadId !== threadId) throw notFound('The message to answer under');
  if (parent.role !== 'assistant')
    throw badRequest('A question goes under an answer: parentId must be an answer.');
}

/** The request's parts as stored parts: images must have been attached (stored) first. */
function toParts(ctx: Context, content: Content): MessagePart[] {
  return content.map((part) => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type === 'video') {
      part.video.frames.forEach((frame, i) => {
        if (!ctx.store.getImageMeta(frame.sha256)) {
          throw notFound(`Frame ${i + 1} of the video ${part.video.name} (attach it first)`);
        }
      });
      return { type: 'video', video: part.video };
    }
    const meta = ctx.store.getImageMeta(part.image.sha256);
    if (!meta) throw notFound(`The image ${part.image.sha256.slice(0, 12)}… (attach it first)`);
    return { type: 'image', image: { ...meta, detail: part.image.detail } };
  });
}

/** A video's prompt tokens by its family's plan (the engine plans the same facts); none without video. */
function videoTokensOf(family: FamilyGeometry) {
  return (video: VideoRef) => family.planVideo?.(video.source, video.sampling).promptTokens ?? 0;
}

function raise(error: Error): never {
  throw error;
}
