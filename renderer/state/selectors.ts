import type { AppState } from './store.ts';

/** The answer being written in the thread on screen, if any (Stop and Escape act on it). */
export function selectStreamingId(state: AppState): string | null {
  const path = state.current?.path;
  if (!path) return null;
  return path.findLast((message) => message.status === 'streaming')?.id ?? null;
}

/** Labels for the composer's images: only the ones that will be sent are numbered, in order. */
export function attachmentLabels(state: Pick<AppState, 'attachments'>): Array<string | null> {
  let n = 0;
  return state.attachments.map((a) => (a.status === 'error' ? null : `Image ${++n}`));
}

export function selectActiveModelId(state: AppState): string | null {
  return state.current?.thread.modelId ?? state.settings?.activeModelId ?? null;
}

/** True once we know there is no model at all: the app shows how to add one. */
export function selectNoModels(state: AppState): boolean {
  return state.models !== null && state.models.length === 0;
}
