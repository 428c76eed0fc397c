/**
 * What the renderer relies on from the services, as one suite run against every implementation of the
 * contract's Api: the real services (main/services/contract-behaviour.test.ts, a real engine on a generated
 * model) and the renderer's fake (renderer/testing/fake-behaviour.test.ts). The real services define the
 * behaviour; where the fake differs, the fake is wrong. Only Api and events are used, nothing of either side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  Api,
  EventName,
  Events,
  Message,
  RequestInput,
  RequestName,
  RequestOutput,
} from './contract.ts';

export interface BehaviourSubject {
  api: Api;
  /** A PNG of this size the implementation accepts as an image. */
  png(width: number, height: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

type Content = RequestInput<'chat.send'>['content'];

/** Events as they arrive, so a test can wait for one that came before it asked. */
function recorder(api: Api) {
  const seen: Array<{ name: EventName; payload: unknown }> = [];
  const waiters = new Set<() => void>();
  const names: EventName[] = ['answer.delta', 'answer.done'];
  const offs = names.map((name) =>
    api.on(name, (payload) => {
      seen.push({ name, payload });
      for (const wake of [...waiters]) wake();
    }),
  );
  const next = <E extends EventName>(name: E, test: (payload: Events[E]) => boolean) =>
    new Promise<Events[E]>((resolve) => {
      const check = () => {
        const found = seen.find((e) => e.name === name && test(e.payload as Events[E]));
        if (found) {
          waiters.delete(check);
          resolve(found.payload as Events[E]);
        }
        return found;
      };
      if (!check()) waiters.add(check);
    });
  return {
    next,
    done: (messageId: string): Promise<Message> =>
      next('answer.done', (p) => p.message.id === messageId).then((p) => p.message),
    deltas: (messageId: string) =>
      seen
        .filter(
          (e) => e.name === 'answer.delta' && (e.payload as Events['answer.delta']).messageId === messageId,
        )
        .map((e) => (e.payload as Events['answer.delta']).text),
    off: () => offs.forEach((off) => off()),
  };
}

const text = (value: string): Content => [{ type: 'text', text: value }];
const textOf = (message: Message) =>
  message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

export function contractBehaviour(name: string, start: () => Promise<BehaviourSubject>): void {
  describe(`the contract's behaviour: ${name}`, () => {
    let subject: BehaviourSubject;
    let events: ReturnType<typeof recorder>;

    /** A request's value; a failed request fails the test with its code and message. */
    async function call<K extends RequestName>(
      request: K,
      input: RequestInput<K>,
    ): Promise<RequestOutput<K>> {
      const result = await (
        subject.api[request] as unknown as (input: RequestInput<K>) => ReturnType<Api[K]>
      )(input);
      if (!result.ok) throw new Error(`${request}: ${result.error.code}: ${result.error.message}`);
      return result.value as RequestOutput<K>;
    }

    /** A request expected to fail: its error code. */
    async function codeOf<K extends RequestName>(request: K, input: unknown): Promise<string> {
      const result = await (subject.api[request] as (input: unknown) => ReturnType<Api[K]>)(input);
      if (result.ok) throw new Error(`${request} succeeded; it was expected to fail`);
      return result.error.code;
    }

    /** A question under `parentId` and its finished answer. */
    async function ask(threadId: string, parentId: string | null, question: string) {
      const sent = await call('chat.send', { threadId, parentId, content: text(question) });
      return { ...sent, answer: await events.done(sent.assistantMessage.id) };
    }

    beforeAll(async () => {
      subject = await start();
      events = recorder(subject.api);
    });
    afterAll(async () => {
      events.off();
      await subject.close();
    });

    it('creates, lists, renames, deletes and restores threads', async () => {
      const first = await call('threads.create', { title: 'First' });
      const second = await call('threads.create', {});
      expect(first).toMatchObject({ title: 'First', currentLeafId: null, modelId: null });
      expect(second.title).toBe('New chat');
      const listed = await call('threads.list', {});
      expect(listed.slice(0, 2).map((t) => t.id)).toEqual([second.id, first.id]); // newest first
      expect(listed[0]).toMatchObject({ title: 'New chat', snippet: null });

      expect((await call('threads.rename', { id: first.id, title: '  Renamed  ' })).title).toBe('Renamed');
      expect((await call('threads.rename', { id: first.id, title: ' ' })).title).toBe('New chat');

      expect(await call('threads.delete', { id: second.id })).toEqual({ id: second.id });
      expect((await call('threads.list', {})).map((t) => t.id)).not.toContain(second.id);
      expect(await codeOf('threads.get', { id: second.id })).toBe('NOT_FOUND');
      expect(await codeOf('threads.rename', { id: second.id, title: 'x' })).toBe('NOT_FOUND');
      expect(await codeOf('threads.delete', { id: second.id })).toBe('NOT_FOUND');
      expect((await call('threads.restore', { id: second.id })).id).toBe(second.id);
      expect((await call('threads.get', { id: second.id })).thread.title).toBe('New chat');
    });

    it('streams an answer as deltas, then answer.done; the first question titles an untitled thread', async () => {
      const thread = await call('threads.create', {});
      const { userMessage, assistantMessage, answer } = await ask(thread.id, null, 'What is in the picture?');
      expect(userMessage).toMatchObject({
        role: 'user',
        parentId: null,
        status: 'complete',
        threadId: thread.id,
      });
      expect(userMessage.parts).toEqual(text('What is in the picture?'));
      expect(assistantMessage).toMatchObject({
        role: 'assistant',
        parentId: userMessage.id,
        status: 'streaming',
      });
      expect(answer.status).toBe('complete');
      expect(answer.stats?.generatedTokens).toBeGreaterThan(0);
      const deltas = events.deltas(answer.id);
      expect(deltas.length).toBeGreaterThan(0);
      expect(textOf(answer)).toBe(deltas.join(''));

      const detail = await call('threads.get', { id: thread.id });
      expect(detail.thread).toMatchObject({ title: 'What is in the picture?', currentLeafId: answer.id });
      expect(detail.messages.map((m) => m.id)).toEqual([userMessage.id, answer.id]);
      expect(detail.messages[1]).toMatchObject({ status: 'complete', parts: answer.parts });
      // A titled thread keeps its title.
      const titled = await call('threads.create', { title: 'Kept' });
      await ask(titled.id, null, 'Hello');
      expect((await call('threads.get', { id: titled.id })).thread.title).toBe('Kept');
    });

    it("keeps a local answer's token probabilities, whose texts join to its text (confidence shading)", async () => {
      const thread = await call('threads.create', {});
      const { userMessage, answer } = await ask(thread.id, null, 'How sure are you?');
      const tokens = await call('chat.confidence', { messageId: answer.id });
      expect(tokens?.length).toBeGreaterThan(0);
      expect(tokens?.map((t) => t.text).join('')).toBe(textOf(answer));
      for (const token of tokens ?? []) {
        expect(token.p).toBeGreaterThanOrEqual(0);
        expect(token.p).toBeLessThanOrEqual(1);
        expect(token.alternatives.length).toBeLessThanOrEqual(5);
      }
      // A question has none; an unknown message is NOT_FOUND.
      expect(await call('chat.confidence', { messageId: userMessage.id })).toBeNull();
      expect(await codeOf('chat.confidence', { messageId: 'no-such-message' })).toBe('NOT_FOUND');
    });

    it('stops a streaming answer: it ends stopped with its text so far', async () => {
      const before = await call('settings.get', {});
      await call('settings.update', { sampling: { maxTokens: 1500 } });
      try {
        const thread = await call('threads.create', {});
        const sent = await call('chat.send', { threadId: thread.id, parentId: null, content: text('Go on') });
        const id = sent.assistantMessage.id;
        await events.next('answer.delta', (d) => d.messageId === id);
        expect(await call('chat.stop', { messageId: id })).toBe(true);
        const stopped = await events.done(id);
        expect(stopped.status).toBe('stopped');
        expect(textOf(stopped).length).toBeGreaterThan(0);
        expect(await call('chat.stop', { messageId: id })).toBe(false);
      } finally {
        await call('settings.update', { sampling: before.sampling });
      }
    });

    it('regenerates an answer and edits a question as siblings, and switches branches', async () => {
      const thread = await call('threads.create', {});
      const first = await ask(thread.id, null, 'Hi');
      const regenerated = await call('chat.regenerate', { messageId: first.answer.id });
      expect(regenerated.assistantMessage.parentId).toBe(first.userMessage.id);
      await events.done(regenerated.assistantMessage.id);
      expect((await call('threads.get', { id: thread.id })).thread.currentLeafId).toBe(
        regenerated.assistantMessage.id,
      );

      const edited = await call('chat.edit', { messageId: first.userMessage.id, content: text('Hello') });
      expect(edited.userMessage).toMatchObject({ parentId: null, parts: text('Hello') });
      expect(edited.assistantMessage.parentId).toBe(edited.userMessage.id);
      await events.done(edited.assistantMessage.id);

      // Back to the first question: its newest answer is shown.
      const back = await call('threads.selectBranch', {
        threadId: thread.id,
        messageId: first.userMessage.id,
      });
      expect(back.currentLeafId).toBe(regenerated.assistantMessage.id);
      const older = await call('threads.selectBranch', { threadId: thread.id, messageId: first.answer.id });
      expect(older.currentLeafId).toBe(first.answer.id);

      // A follow-up goes under an answer.
      const follow = await ask(thread.id, first.answer.id, 'And then?');
      expect(follow.userMessage.parentId).toBe(first.answer.id);
      expect((await call('threads.get', { id: thread.id })).messages).toHaveLength(7);
    });

    it('attaches an image and plans it at either detail; a question can show it', async () => {
      const data = await subject.png(150, 100);
      const attached = await call('images.attach', { name: 'shot.png', data });
      expect(attached.image).toMatchObject({ name: 'shot.png', mime: 'image/png', width: 150, height: 100 });
      expect(attached.image.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(attached.plan).toMatchObject({
        detail: attached.image.detail,
        original: { width: 150, height: 100 },
      });
      expect(attached.plan?.promptTokens).toBeGreaterThan(0);
      const { sha256 } = attached.image;
      expect(await call('images.get', { sha256 })).toEqual(data);
      for (const detail of ['low', 'high'] as const) {
        const plan = await call('images.plan', { sha256, detail });
        expect(plan).toMatchObject({ detail, family: attached.plan?.family });
        expect(plan.imageTokens).toBeGreaterThan(0);
      }
      const thread = await call('threads.create', {});
      const sent = await call('chat.send', {
        threadId: thread.id,
        parentId: null,
        content: [{ type: 'image', image: { sha256, detail: 'low' } }, ...text('What is this?')],
      });
      expect(sent.userMessage.parts[0]).toEqual({
        type: 'image',
        image: { ...attached.image, detail: 'low' },
      });
      await events.done(sent.assistantMessage.id);
    });

    it('discards an image nothing refers to; one a draft or a message refers to is refused', async () => {
      const original = (await call('images.attach', { name: 'secret.png', data: await subject.png(40, 30) }))
        .image;
      const kept = (await call('images.attach', { name: 'kept.png', data: await subject.png(30, 40) })).image;
      const thread = await call('threads.create', {});
      await call('drafts.save', {
        threadId: thread.id,
        text: '',
        images: [{ sha256: original.sha256, detail: 'high' }],
      });
      expect(await codeOf('images.discard', { sha256: original.sha256 })).toBe('CONFLICT');
      // The redaction took its place in the draft: nothing refers to the original now.
      await call('drafts.save', {
        threadId: thread.id,
        text: '',
        images: [{ sha256: kept.sha256, detail: 'high' }],
      });
      expect(await call('images.discard', { sha256: original.sha256 })).toEqual({ sha256: original.sha256 });
      expect(await codeOf('images.get', { sha256: original.sha256 })).toBe('NOT_FOUND');
      expect(await codeOf('images.discard', { sha256: original.sha256 })).toBe('NOT_FOUND');
      const sent = await call('chat.send', {
        threadId: thread.id,
        parentId: null,
        content: [{ type: 'image', image: { sha256: kept.sha256, detail: 'low' } }, ...text('What is this?')],
      });
      await events.done(sent.assistantMessage.id);
      expect(await codeOf('images.discard', { sha256: kept.sha256 })).toBe('CONFLICT');
      expect(await call('images.get', { sha256: kept.sha256 })).toBeInstanceOf(Uint8Array);
    });

    it('lists models and reads and updates settings', async () => {
      const models = await call('models.list', {});
      expect(models.length).toBeGreaterThan(0);
      for (const model of models) {
        expect(model).toMatchObject({
          id: expect.any(String),
          name: expect.any(String),
          family: expect.any(String),
        });
        expect(model.contextLength).toBeGreaterThan(0);
      }
      const settings = await call('settings.get', {});
      if (settings.activeModelId !== null) expect(models.map((m) => m.id)).toContain(settings.activeModelId);

      const updated = await call('settings.update', { theme: 'dark', sampling: { topP: 0.9 } });
      expect(updated).toMatchObject({
        theme: 'dark',
        device: settings.device,
        systemPrompt: settings.systemPrompt,
      });
      expect(updated.sampling).toEqual({ ...settings.sampling, topP: 0.9 });
      expect(await call('settings.get', {})).toEqual(updated);
      await call('settings.update', { theme: settings.theme, sampling: settings.sampling });
      expect(['stopped', 'starting', 'ready', 'busy', 'crashed', 'restarting']).toContain(
        (await call('engine.status', {})).state,
      );
    });

    it('answers bad input with error codes', async () => {
      const thread = await call('threads.create', {});
      const { userMessage, answer } = await ask(thread.id, null, 'Hi');
      const missing = 'no-such-id';
      const noImage = 'f'.repeat(64);
      const cases: Array<[RequestName, unknown, string]> = [
        ['threads.get', { id: missing }, 'NOT_FOUND'],
        ['threads.rename', { id: thread.id, title: '' }, 'BAD_REQUEST'],
        ['threads.rename', { id: missing, title: 'x' }, 'NOT_FOUND'],
        ['threads.delete', { id: missing }, 'NOT_FOUND'],
        ['threads.restore', { id: missing }, 'NOT_FOUND'],
        ['threads.selectBranch', { threadId: thread.id, messageId: missing }, 'NOT_FOUND'],
        ['threads.selectBranch', { threadId: missing, messageId: answer.id }, 'NOT_FOUND'],
        ['chat.send', { threadId: missing, parentId: null, content: text('x') }, 'NOT_FOUND'],
        ['chat.send', { threadId: thread.id, parentId: null, content: [] }, 'BAD_REQUEST'],
        ['chat.send', { threadId: thread.id, parentId: missing, content: text('x') }, 'NOT_FOUND'],
        ['chat.send', { threadId: thread.id, parentId: userMessage.id, content: text('x') }, 'BAD_REQUEST'],
        [
          'chat.send',
          {
            threadId: thread.id,
            parentId: null,
            content: [{ type: 'image', image: { sha256: noImage, detail: 'low' } }],
          },
          'NOT_FOUND',
        ],
        ['chat.regenerate', { messageId: userMessage.id }, 'BAD_REQUEST'],
        ['chat.regenerate', { messageId: missing }, 'NOT_FOUND'],
        ['chat.edit', { messageId: answer.id, content: text('x') }, 'BAD_REQUEST'],
        ['chat.retry', { messageId: answer.id }, 'BAD_REQUEST'],
        ['images.plan', { sha256: noImage, detail: 'high' }, 'NOT_FOUND'],
        ['images.plan', { sha256: 'not-a-hash', detail: 'high' }, 'BAD_REQUEST'],
        ['images.get', { sha256: noImage }, 'NOT_FOUND'],
        ['settings.update', { activeModelId: missing }, 'NOT_FOUND'],
        ['settings.update', { theme: 'purple' }, 'BAD_REQUEST'],
      ];
      const codes: string[] = [];
      for (const [request, input] of cases) codes.push(await codeOf(request, input));
      expect(cases.map(([request, input], i) => [request, input, codes[i]])).toEqual(cases);
    });
  });
}
