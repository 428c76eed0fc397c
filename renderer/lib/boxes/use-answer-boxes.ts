/**
 * React side of an answer's boxes: placing them (fetching the image's plan when the notation counts pixels
 * of the resized input) and whether they are shown. The question draws them and the answer offers the
 * toggle, so the shown/hidden choice lives outside both, per answer, for the session.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Size } from '../../../app/tile-plan.ts';
import type { Message } from '../../../app/ipc/contract.ts';
import { useApp, useServices } from '../../state/context.tsx';
import { type AnswerBoxes, boxesSource, placeBoxes } from './answer-boxes.ts';

/** The answer shown after `questionId` on the branch, if any. */
export function useAnswerOf(questionId: string): Message | undefined {
  return useApp((s) => {
    const path = s.current?.path;
    if (!path) return undefined;
    const at = path.findIndex((m) => m.id === questionId);
    const next = at >= 0 ? path[at + 1] : undefined;
    return next?.role === 'assistant' && next.parentId === questionId ? next : undefined;
  });
}

/** The question an answer answers. */
export function useQuestionOf(answer: Message): Message | undefined {
  return useApp((s) => (answer.parentId ? s.current?.tree.byId.get(answer.parentId) : undefined));
}

/** The answer's boxes on its question's image, or null when it has none to draw. */
export function useAnswerBoxes(
  answer: Message | undefined,
  question: Message | undefined,
): AnswerBoxes | null {
  const { api } = useServices();
  const source = boxesSource(answer, question);
  const planKey = source?.needsResized ? `${source.image.sha256}:${source.detail}:${source.family}` : null;
  const [plan, setPlan] = useState<{ key: string; resized: Size | null } | null>(null);
  const image = source?.image;
  const detail = source?.detail;
  const family = source?.family;
  useEffect(() => {
    if (!planKey || !image || !detail || !family) return;
    let live = true;
    void api['images.plan']({ sha256: image.sha256, detail }).then((result) => {
      // The plan is the active model's: its resized size is the answering model's only for the same family.
      const resized = result.ok && result.value.family === family ? result.value.resized : null;
      if (live) setPlan({ key: planKey, resized });
    });
    return () => {
      live = false;
    };
  }, [planKey, image, detail, family, api]);
  if (!source) return null;
  if (source.needsResized && plan?.key !== planKey) return null; // the plan is on its way
  return placeBoxes(source, plan?.resized ?? null);
}

const hidden = new Set<string>();
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether an answer's boxes are drawn (they are, until hidden). */
export function useBoxesShown(answerId: string | undefined): boolean {
  return useSyncExternalStore(subscribe, () => !answerId || !hidden.has(answerId));
}

export function setBoxesShown(answerId: string, shown: boolean): void {
  if (shown) hidden.delete(answerId);
  else hidden.add(answerId);
  listeners.forEach((listener) => listener());
}
