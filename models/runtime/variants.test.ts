/**
 * The runtime on other shapes of the same model: the q4 (MatMulNBits) variant chosen automatically on the
 * CPU, weights in external data files, end-of-sequence from generation_config.json, and the family hooks
 * the generation loop honours (decoder positions, feature arrangement).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../app/chat.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { Vlm } from './vlm.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-variants-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const question = async (): Promise<ChatMessage[]> => [
  {
    role: 'user',
    content: [
      { type: 'image', data: await noiseImage(160, 90, 8) },
      { type: 'text', text: 'What is it?' },
    ],
  },
];

async function answer(vlm: Vlm, maxTokens = 12) {
  return vlm.generate({ messages: await question(), sampling: { maxTokens } }, () => {});
}

async function withModel<T>(
  dir: string,
  options: Parameters<typeof Vlm.load>[1],
  use: (vlm: Vlm) => Promise<T>,
) {
  const vlm = await Vlm.load(dir, options);
  try {
    return await use(vlm);
  } finally {
    await vlm.dispose();
  }
}

describe('model variants', () => {
  it('picks the q4 variant on the CPU by default (its tokens are checked against transformers.js)', async () => {
    const q4 = await withModel(await testModelDir({ dtype: 'q4' }), { device: 'cpu' }, async (vlm) => {
      expect(vlm.info.providers.decoder).toEqual({
        provider: 'cpu',
        dtype: 'q4',
        cache: 'appended in place',
      });
      expect(vlm.info.providers.vision.dtype).toBe('q4');
      return answer(vlm);
    });
    expect(q4.tokenIds).toHaveLength(12);
  });

  it('refuses a dtype the folder does not have, listing what it has', async () => {
    await expect(Vlm.load(await testModelDir(), { device: 'cpu', dtype: 'fp16' })).rejects.toThrow(
      /no vision_encoder in fp16.*Available: fp32/,
    );
  });

  it('loads weights from external data files and answers as the inline model does', async () => {
    const external = await withModel(await testModelDir({ externalData: true }), { device: 'cpu' }, (vlm) =>
      answer(vlm),
    );
    const inline = await withModel(await testModelDir(), { device: 'cpu' }, (vlm) => answer(vlm));
    expect(external.tokenIds).toEqual(inline.tokenIds);
  });

  it('stops at an end-of-sequence id from generation_config.json', async () => {
    const base = await testModelDir();
    const free = await withModel(base, { device: 'cpu' }, (vlm) => answer(vlm, 8));
    const stopId = free.tokenIds[3] as number;
    const stopsAt = free.tokenIds.indexOf(stopId);
    const copy = join(scratch, 'eos');
    cpSync(base, copy, { recursive: true });
    const config = JSON.parse(readFileSync(join(copy, 'generation_config.json'), 'utf8'));
    writeFileSync(
      join(copy, 'generation_config.json'),
      JSON.stringify({ ...config, eos_token_id: [stopId] }),
    );
    const stopped = await withModel(copy, { device: 'cpu' }, (vlm) => answer(vlm, 8));
    expect(stopped.finishReason).toBe('eos');
    expect(stopped.tokenIds).toEqual(free.tokenIds.slice(0, stopsAt));
  });
});

describe('family hooks', () => {
  it('feeds the family position ids to the decoder', async () => {
    await withModel(await testModelDir(), { device: 'cpu' }, async (vlm) => {
      const plain = await answer(vlm);
      const family = vlm.parts.family;
      const shifted = (offset: number, reverse = false) => ({
        ...family,
        positionIds: (_ids: readonly number[], _plans: unknown, start: number, count: number) => ({
          type: 'int64' as const,
          dims: [1, count],
          data: BigInt64Array.from({ length: count }, (_, i) =>
            BigInt(reverse ? 5000 - (start + i) : start + i + offset),
          ),
        }),
      });
      // Rotary positions are relative: a constant shift keeps the answer, reversed order changes it.
      vlm.parts.family = shifted(7);
      expect((await answer(vlm)).tokenIds).toEqual(plain.tokenIds);
      vlm.parts.family = shifted(0, true);
      expect((await answer(vlm)).tokenIds).not.toEqual(plain.tokenIds);
      vlm.parts.family = family;
    });
  });

  it('lets the family arrange feature rows before they enter the prompt', async () => {
    const dir = await testModelDir();
    const plain = await withModel(dir, { device: 'cpu' }, (vlm) => answer(vlm));
    const arranged = await withModel(dir, { device: 'cpu' }, (vlm) => {
      vlm.parts.family = { ...vlm.parts.family, arrangeFeatures: (rows) => rows.map((v) => -v) };
      return answer(vlm);
    });
    expect(arranged.tokenIds).not.toEqual(plain.tokenIds);
  });
});
