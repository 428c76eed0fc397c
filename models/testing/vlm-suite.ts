/**
 * What every family must do when the runtime, unchanged, runs its generated tiny model, as a vitest suite run
 * once per test model over the registry (models/families/conformance-vlm.test.ts): it loads as its family with
 * its vision inputs, the prompt holds one image token per planned feature row, the KV-cache invariants hold
 * (incremental = full recompute, a follow-up on the kept cache = recompute), the image (and, where it plans
 * differently, the detail) changes the answer, two images in one message are both expanded, and `tessera
 * plan` / `tessera ask` work on the folder. Family quirks stay in the family's own vlm.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { GenerateResult } from '../../app/chat.ts';
import { decodeImage } from '../image/decode.ts';
import { expectFollowUpMatchesFresh, expectIncrementalMatchesFull, promptEmbeds } from './kv-invariants.ts';
import { type ModelSource, image, text, useTesseraCli, useTestVlm, user } from './vlm-fixture.ts';

type Images = 'photo' | 'other' | 'detail';

export interface VlmConformance {
  /** Shown in the describe title. */
  label: string;
  model: ModelSource;
  /** `photo` and `other` must get different answers; `detail` (default photo) different ones at low and high. */
  images: () => Partial<Record<Images, Promise<Uint8Array>>> & Record<'photo' | 'other', Promise<Uint8Array>>;
  /** Load timeout (ms), where the default hook timeout is not enough. */
  timeout?: number;
  /** `vlm.info.family`, the vision inputs it feeds, and the context length where the test pins it. */
  family: string;
  visionInputNames: readonly string[];
  contextLength?: number;
  /** "What is this?" about the photo at the default detail. */
  prompt: {
    imageTokens: number;
    /** The same conversation's prompt text without the image, and the marker tokens the image adds. */
    textOnly?: string;
    markerTokens?: number;
    /** The token the prompt starts with (BOS). */
    firstToken?: string;
    /** The tokens right before and after the image tokens, which run unbroken between them. */
    around?: [string, string];
    /** The grid the photo is planned in. */
    grid?: { rows: number; cols: number };
  };
  /** Head lengths fed before the rest one token at a time; `twoImages` asks about photo and other together. */
  incremental: { heads: number[]; detail?: 'low'; twoImages?: boolean; minPromptLength?: number };
  /** A follow-up on the kept thread: `whole` the whole first turn comes from the cache, or what it serves. */
  followUp: 'whole' | { cachedTokens: (turn1: GenerateResult) => readonly number[] };
  /** The detail image's prompt grows by this many tokens from low to high (0: the same view and answer). */
  detail?: { highMinusLow: number };
  /** Two images in one message add at least (or exactly) this many prompt tokens to one. */
  twoImages?: { atLeast?: number; exactly?: number; detail?: 'low' };
  cli?: {
    prefix: string;
    planArgs: string[];
    /** The printed plan, matched whole (`exact`) or in part. */
    plan: Record<string, unknown>;
    exact: boolean;
    askArgs?: string[];
  };
}

export function describeVlmConformance(c: VlmConformance): void {
  const fx = useTestVlm(c.model, c.images as () => Record<Images, Promise<Uint8Array>>, c.timeout);
  const detailImage = () => fx.images.detail ?? fx.images.photo;

  it(`loads as the ${c.family} family with its vision inputs`, () => {
    expect(fx.vlm.info.family).toBe(c.family);
    expect(fx.vlm.parts.family.visionInputNames).toEqual(c.visionInputNames);
    if (c.contextLength !== undefined) expect(fx.vlm.parts.contextLength).toBe(c.contextLength);
  });

  it(`expands the placeholder to ${c.prompt.imageTokens} image tokens in the prompt`, async () => {
    const { vlm, images } = fx;
    const { ids, imageTokens } = await promptEmbeds(vlm, [user(image(images.photo), text('What is this?'))]);
    expect(imageTokens).toBe(c.prompt.imageTokens);
    expect(ids.filter((id) => id === vlm.parts.family.imageTokenId)).toHaveLength(c.prompt.imageTokens);
    if (c.prompt.firstToken !== undefined) expect(ids[0]).toBe(vlm.parts.text.tokenId(c.prompt.firstToken));
    const { around, grid } = c.prompt;
    if (around) {
      const start = ids.indexOf(vlm.parts.family.imageTokenId) - 1;
      expect(start).toBeGreaterThan(0);
      expect(ids[start]).toBe(vlm.parts.text.tokenId(around[0]));
      const run = ids.slice(start + 1, start + 1 + c.prompt.imageTokens);
      expect(run.every((id) => id === vlm.parts.family.imageTokenId)).toBe(true);
      expect(ids[start + 1 + c.prompt.imageTokens]).toBe(vlm.parts.text.tokenId(around[1]));
    }
    if (grid) {
      const plan = vlm.parts.family.planImage(
        await decodeImage(images.photo),
        vlm.parts.family.defaultDetail,
      );
      expect(plan.grid).toMatchObject(grid);
    }
    if (c.prompt.textOnly !== undefined) {
      const textOnly = vlm.parts.text.encode(c.prompt.textOnly);
      expect(ids.length).toBe(textOnly.length + c.prompt.imageTokens + (c.prompt.markerTokens ?? 0));
    }
  });

  it('decodes incrementally through the cache exactly as a full recompute, image features included', async () => {
    const { photo, other } = fx.images;
    const { heads, detail, twoImages, minPromptLength } = c.incremental;
    const messages = twoImages
      ? [user(image(photo), text('Tell me about'), image(other), text('these two.'))]
      : [user(image(photo, detail), text('Tell me about the caches in this picture, please, in detail.'))];
    const promptLength = await expectIncrementalMatchesFull(fx.vlm, messages, heads);
    if (minPromptLength !== undefined) expect(promptLength).toBeGreaterThanOrEqual(minPromptLength);
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    const first = [user(image(fx.images.photo), text('Describe it.'))];
    if (c.followUp === 'whole') {
      await expectFollowUpMatchesFresh(fx.vlm, first);
    } else {
      const { turn1, kept } = await expectFollowUpMatchesFresh(fx.vlm, first, 'own');
      expect(c.followUp.cachedTokens(turn1)).toContain(kept.stats.cachedTokens);
    }
  });

  it('changes the answer when the image changes', async () => {
    const a = await fx.ask(image(fx.images.photo));
    const b = await fx.ask(image(fx.images.other));
    expect(a.tokenIds).not.toEqual(b.tokenIds);
  });

  const { detail } = c;
  if (detail) {
    it(
      detail.highMinusLow === 0
        ? 'low and high detail are the same view and the same answer'
        : `high detail adds ${detail.highMinusLow} prompt tokens to low, and changes the answer`,
      async () => {
        const high = await fx.ask(image(detailImage(), 'high'));
        const low = await fx.ask(image(detailImage(), 'low'));
        expect(high.stats.promptTokens - low.stats.promptTokens).toBe(detail.highMinusLow);
        if (detail.highMinusLow === 0) expect(low.tokenIds).toEqual(high.tokenIds);
        else expect(low.tokenIds).not.toEqual(high.tokenIds);
      },
    );
  }

  const { twoImages } = c;
  if (twoImages) {
    it('answers about two images in one message (each placeholder expanded)', async () => {
      const { photo, other } = fx.images;
      const d = twoImages.detail;
      const two = await fx.greedy([user(image(photo, d), image(other, d), text('Compare them.'))]);
      const one = await fx.greedy([user(image(photo, d), text('Compare them.'))]);
      const added = two.stats.promptTokens - one.stats.promptTokens;
      if (twoImages.exactly !== undefined) expect(added).toBe(twoImages.exactly);
      if (twoImages.atLeast !== undefined) expect(added).toBeGreaterThanOrEqual(twoImages.atLeast);
      expect(two.tokenIds).toHaveLength(12);
    });
  }

  const { cli } = c;
  if (cli) {
    describe(`tessera plan / ask on the ${c.label} folder`, () => {
      const run = useTesseraCli(cli.prefix);

      it('plan prints the plan', () => {
        const printed = run.plan(fx.dir, ...cli.planArgs);
        if (cli.exact) expect(printed).toEqual(cli.plan);
        else expect(printed).toMatchObject(cli.plan);
      });

      it('ask streams an answer', () => {
        run.expectAskStreams(fx.dir, fx.images.photo, { args: cli.askArgs });
      });
    });
  }
}
