/**
 * An in-memory implementation of the contract's Api, for the renderer's tests and for looking at the UI
 * without an engine. It keeps threads as message trees the way the store does, plans images the way a
 * SmolVLM-like family would (512-pixel tiles plus a global view) and streams canned answers. Each contract
 * area is a file of fake/; app/ipc/contract-behaviour.ts holds it to what the real services do.
 */
import type {
  Api,
  DownloadJob,
  Draft,
  EventName,
  Events,
  HubSettings,
  ImageRef,
  Message,
  ModelEntry,
  RequestName,
  Settings,
  Thread,
} from '../../app/ipc/contract.ts';
import { parseRequest } from '../../app/ipc/contract.ts';
import { chatHandlers } from './fake/chat.ts';
import { ANSWER } from './fake/data.ts';
import { type DownloadControls, downloads } from './fake/downloads.ts';
import { draftHandlers, sendClearingDraft } from './fake/drafts.ts';
import { imageHandlers } from './fake/images.ts';
import { videoHandlers } from './fake/videos.ts';
import { modelHandlers } from './fake/models.ts';
import { apiHandlers } from './fake/api.ts';
import { remoteHandlers } from './fake/remote.ts';
import { settingsHandlers } from './fake/settings.ts';
import { type FakeApiOptions, type HandlersOf, createState } from './fake/state.ts';
import { captureHandlers } from './fake/capture.ts';
import { threadHandlers } from './fake/threads.ts';

export { FAKE_CATALOG, FAKE_COMMIT, FAKE_MODEL, FAKE_MODELS_DIR, fakeModel, fakeStats } from './fake/data.ts';
export { fakePlan } from './fake/images.ts';
export type { FakeApiOptions, FakeHandlers } from './fake/state.ts';

export interface FakeApi extends DownloadControls {
  api: Api;
  calls: Array<{ name: RequestName; input: unknown }>;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  threads: Map<string, Thread>;
  messages: Map<string, Message>;
  images: Map<string, { ref: ImageRef; bytes: Uint8Array }>;
  drafts: Map<string, Draft>;
  settings: Settings;
  /** The installed models (the same array `models.list` answers from; downloads add to it). */
  models: ModelEntry[];
  downloads: Map<string, DownloadJob>;
  hub: HubSettings;
}

/**
 * Image bytes as a Uint8Array of this realm: jsdom's FileReader hands over bytes from its own, which the
 * contract's `instanceof Uint8Array` refuses; the real transports build fresh arrays on arrival (wire.ts).
 */
function ownRealm(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || !('data' in input)) return input;
  const { data } = input as { data: unknown };
  if (data instanceof Uint8Array || !ArrayBuffer.isView(data)) return input;
  return { ...input, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function createFakeApi(options: FakeApiOptions = {}): FakeApi {
  const state = createState(options);
  const download = downloads(state);
  const chat = chatHandlers(state);
  const defaults: HandlersOf<RequestName> = {
    ...threadHandlers(state),
    ...imageHandlers(state),
    ...videoHandlers(state),
    ...chat,
    'chat.send': sendClearingDraft(state, chat['chat.send']),
    ...draftHandlers(state),
    ...modelHandlers(state),
    ...download.handlers,
    ...settingsHandlers(state),
    ...apiHandlers(state),
    ...remoteHandlers(state),
    ...captureHandlers(),
  };
  const calls: FakeApi['calls'] = [];

  const api: Record<string, unknown> = {
    on(event: string, listener: (payload: unknown) => void) {
      let set = state.listeners.get(event);
      if (!set) state.listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  for (const name of Object.keys(defaults) as RequestName[]) {
    api[name] = async (input: unknown) => {
      calls.push({ name, input });
      // Checked against the contract as the services' dispatch does: bad input is BAD_REQUEST.
      const parsed = parseRequest(name, ownRealm(structuredClone(input)));
      if (!parsed.ok) return parsed;
      const handler = (options.handlers?.[name] ?? defaults[name]) as (input: unknown) => unknown;
      // Copies both ways, like a real transport: no object is shared between the two sides.
      return structuredClone(await handler(parsed.value.input));
    };
  }

  return {
    api: api as Api,
    calls,
    emit: state.emit,
    threads: state.threads,
    messages: state.messages,
    images: state.images,
    drafts: state.drafts,
    settings: state.settings,
    models: state.models,
    downloads: state.downloads,
    hub: state.hub,
    ...download.controls,
  };
}

/** Seeds a few threads with questions and answers (the demo page and UI tests). */
export async function seedFake(fake: FakeApi, count = 3): Promise<void> {
  const { api } = fake;
  for (let i = 0; i < count; i++) {
    const created = await api['threads.create']({ title: `Thread ${i + 1}` });
    if (!created.ok) continue;
    if (i === count - 1) {
      const sent = await api['chat.send']({
        threadId: created.value.id,
        parentId: null,
        content: [{ type: 'text', text: 'What does this error mean?' }],
      });
      if (sent.ok) {
        const answer = sent.value.assistantMessage;
        fake.messages.set(answer.id, { ...answer, parts: [{ type: 'text', text: ANSWER }] });
        await api['chat.stop']({ messageId: answer.id });
        const done = fake.messages.get(answer.id);
        if (done) fake.messages.set(answer.id, { ...done, status: 'complete' });
      }
    }
  }
}
