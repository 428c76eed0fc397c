/**
 * The renderer's one zustand store, made of slices (zustand's slices pattern): each slice owns its state
 * and the actions that change it, and reaches the others only through `get()`. Actions talk to the
 * services through the contract's Api; events from the services come in through `bindEvents` (events.ts),
 * outside React, so a streamed token never re-renders more than the message it belongs to.
 */
import { createStore } from 'zustand/vanilla';
import type { StateCreator } from 'zustand/vanilla';
import type { Api } from '../../app/ipc/contract.ts';
import type { ImageUrls } from '../lib/image-urls.ts';
import { createDownloadsSlice } from './slices/downloads.ts';
import type { DownloadsSlice } from './slices/downloads.ts';
import { createComposerSlice } from './slices/composer.ts';
import type { ComposerSlice } from './slices/composer.ts';
import { createGenerationSlice } from './slices/generation.ts';
import type { GenerationSlice } from './slices/generation.ts';
import { createModelsSlice } from './slices/models.ts';
import type { ModelsSlice } from './slices/models.ts';
import { createSettingsSlice } from './slices/settings.ts';
import type { SettingsSlice } from './slices/settings.ts';
import { createThreadsSlice } from './slices/threads.ts';
import type { ThreadsSlice } from './slices/threads.ts';
import { createUiSlice } from './slices/ui.ts';
import type { UiSlice } from './slices/ui.ts';
import { createVideosSlice } from './slices/videos.ts';
import type { VideosSlice } from './slices/videos.ts';

export type AppState = ThreadsSlice &
  ComposerSlice &
  GenerationSlice &
  ModelsSlice &
  DownloadsSlice &
  SettingsSlice &
  UiSlice &
  VideosSlice;

export interface StoreDeps {
  api: Api;
  images: ImageUrls;
}

export type SliceCreator<T> = (deps: StoreDeps) => StateCreator<AppState, [], [], T>;

export function createAppStore(deps: StoreDeps) {
  return createStore<AppState>()((...args) => ({
    ...createThreadsSlice(deps)(...args),
    ...createComposerSlice(deps)(...args),
    ...createVideosSlice(deps)(...args),
    ...createGenerationSlice(deps)(...args),
    ...createModelsSlice(deps)(...args),
    ...createDownloadsSlice(deps)(...args),
    ...createSettingsSlice(deps)(...args),
    ...createUiSlice(deps)(...args),
  }));
}

export type AppStore = ReturnType<typeof createAppStore>;

/** Everything the app loads at start-up and again after a reconnect (events may have been missed). */
export async function loadAll(store: AppStore): Promise<void> {
  const state = store.getState();
  await Promise.all([
    state.loadSettings(),
    state.loadModels(),
    state.loadEngine(),
    state.loadThreads(),
    state.loadDownloads(),
    state.loadCatalog(),
  ]);
  const { currentThreadId, threadList, selectThread, refreshCurrent } = store.getState();
  if (currentThreadId) await refreshCurrent();
  else if (threadList[0]) await selectThread(threadList[0].id);
}
