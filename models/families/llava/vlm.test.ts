/**
 * The runtime, unchanged, on a generated tiny LLaVA: KV-cache invariants (incremental = full recompute with the
 * image features in the prompt, a follow-up on the kept cache = recompute), answers that depend on the image,
 * and the `tessera plan` / `tessera ask` commands on the folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { Vlm } from '../../runtime/vlm.ts';
import { noiseImage } from '../../testing/images.ts';
import { followUpVersusFresh, incrementalVersusFull, promptEmbeds } from '../../testing/kv-invariants.ts';
import { testModelDir } from '../../testing/test-models.ts';

let dir: string;
let vlm: Vlm;
let photo: Uint8Array;
let other: Uint8Array;

beforeAll(async () => {
  dir = await testModelDir({ family: 'llava' });
  vlm = await Vlm.load(dir, { device: 'cpu', dtype: 'fp32' });
  photo = await noiseImage(200, 120, 1);
  other = await noiseImage(90, 160, 2);
});

afterAll(async () => {
  await vlm?.dispose();
});

const user = (...content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
const text = (t: string) => ({ type: 'text' as const, text: t });
const image = (data: Uint8Array, detail?: 'low' | 'high') => ({ type: 'image' as const, data, detail });
const greedy = (messages: ChatMessage[], maxTokens = 12) =>
  vlm.generate({ messages, sampling: { maxTokens, ignoreEos: true } }, () => {});

describe('Vlm on a tiny generated LLaVA', () => {
  it('loads as the llava family with one vision input', () => {
    expect(vlm.info.family).toBe('llava');
    expect(vlm.parts.family.visionInputNames).toEqual(['pixel_values']);
    expect(vlm.parts.contextLength).toBe(4096);
  });

  it('builds the prompt as USER: <image>\\n… ASSISTANT: with the placeholder expanded to 16 image tokens', async () => {
    const { ids, imageTokens } = await promptEmbeds(vlm, [user(image(photo), text('What is this?'))]);
    const imageId = vlm.parts.family.imageTokenId;
    expect(imageTokens).toBe(16);
    expect(ids.filter((id) => id === imageId)).toHaveLength(16);
    expect(ids[0]).toBe(vlm.parts.text.tokenId('<s>'));
    const textOnly = vlm.parts.text.encode('<s>USER: \nWhat is this? ASSISTANT:');
    expect(ids.length).toBe(textOnly.length + 16);
  });

  it('decodes incrementally through the cache exactly as a full recompute, image features included', async () => {
    const messages = [user(image(photo), text('Tell me about the caches in this picture.'))];
    const { maxDiff, lengths, promptLength } = await incrementalVersusFull(vlm, messages, 5);
    expect(lengths).toEqual([promptLength, promptLength]);
    expect(maxDiff).toBeLessThan(1e-4);
    // The head may end inside the image rows: the cache holds features like any other position.
    expect((await incrementalVersusFull(vlm, messages, 12)).maxDiff).toBeLessThan(1e-4);
  });

  it('answers a follow-up on the kept cache exactly as recomputing the conversation', async () => {
    const { turn1, kept, fresh } = await followUpVersusFresh(
      vlm,
      [user(image(photo), text('Describe it.'))],
      'More?',
    );
    expect(kept.stats.cachedTokens).toBeGreaterThanOrEqual(turn1.stats.promptTokens);
    expect(kept.stats.imagesFromCache).toBe(1);
    expect(fresh.stats.cachedTokens).toBe(0);
    expect(kept.tokenIds).toEqual(fresh.tokenIds);
  });

  it('changes the answer when the image changes; low and high detail are the same view', async () => {
    const a = await greedy([user(image(photo), text('What is this?'))], 16);
    const b = await greedy([user(image(other), text('What is this?'))], 16);
    expect(a.tokenIds).not.toEqual(b.tokenIds);
    const low = await greedy([user(image(photo, 'low'), text('What is this?'))], 16);
    expect(low.tokenIds).toEqual(a.tokenIds);
    expect(low.stats.promptTokens).toBe(a.stats.promptTokens);
  });

  it('answers about two images in one message (each <image> expanded)', async () => {
    const two = await greedy([user(image(photo), image(other), text('Compare them.'))]);
    const one = await greedy([user(image(photo), text('Compare them.'))]);
    // Two placeholders, each "<image>\n": 16 more image tokens and one more newline.
    expect(two.stats.promptTokens - one.stats.promptTokens).toBeGreaterThanOrEqual(16);
    expect(two.tokenIds).toHaveLength(12);
  });
});

describe('tessera plan / ask on the LLaVA folder', () => {
  const bin = fileURLToPath(new URL('../../../bin/tessera.mjs', import.meta.url));
  let scratch: string;
  const tessera = (...args: string[]) => {
    const run = spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      cwd: scratch,
      timeout: 120_000,
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'tessera-llava-cli-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('plan prints the one cropped view', () => {
    const run = tessera('plan', '--model', dir, '--size', '640x480', '--detail', 'low');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      family: 'llava',
      detail: 'low',
      original: { width: 640, height: 480 },
      resized: { width: 74, height: 56 },
      grid: { rows: 1, cols: 1 },
      // Crop x 9…65 of the 74×56 resize: x 77.8…562.2 of the original, rounded outward.
      tiles: [{ x: 77, y: 0, width: 486, height: 480, inputWidth: 56, inputHeight: 56, tokens: 16 }],
      global: null,
      imageTokens: 16,
      promptTokens: 16,
    });
  });

  it('ask streams an answer', () => {
    const imagePath = join(scratch, 'shot.png');
    writeFileSync(imagePath, photo);
    const run = tessera(
      'ask',
      '--model',
      dir,
      '--device',
      'cpu',
      '--max-tokens',
      '6',
      imagePath,
      '--',
      'What is it?',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().length).toBeGreaterThan(0);
    expect(run.stderr).toContain('vision encode');
  });
});
