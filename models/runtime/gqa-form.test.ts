/**
 * The runtime on a GQA-form decoder (make-model --attention gqa: GroupQueryAttention, no position_ids,
 * num_logits_to_keep, BNSH cache) against the plain form of the same weights: the same greedy tokens, a follow-up
 * on the kept cache, and an edited question that crops the cache, each the same in both forms; the load-time
 * rewrites apply (int8 activations) or are skipped with the reason recorded.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, GenerateResult } from '../../app/chat.ts';
import { noiseImage } from '../testing/images.ts';
import { testModelDir } from '../testing/test-models.ts';
import { image, text, useTestVlm, user } from '../testing/vlm-fixture.ts';
import { decoderGraph } from './load.ts';
import { Vlm } from './vlm.ts';

const photo = () => ({ photo: noiseImage(200, 120, 1) });
const plain = useTestVlm({ family: 'gemma3' }, photo);
const gqa = useTestVlm({ family: 'gemma3', attention: 'gqa' }, photo);
type Fixture = typeof plain;

const answer = (r: GenerateResult): ChatMessage => ({
  role: 'assistant',
  content: [text(r.text)],
  tokenIds: r.tokenIds,
});

/** Turn 1, a follow-up on the kept thread, then the follow-up's question edited (the cache is cut back). */
async function conversation(fx: Fixture, thread: string) {
  const first = [user(image(fx.images.photo), text('What is this?'))];
  const turn1 = await fx.greedy(first, 16, thread);
  const history = [...first, answer(turn1)];
  const turn2 = await fx.greedy([...history, user(text('And what else is there?'))], 16, thread);
  const edited = await fx.greedy([...history, user(text('Which colours?'))], 16, thread);
  const fresh = await fx.greedy([...history, user(text('Which colours?'))], 16, `${thread}-fresh`);
  return { turn1, turn2, edited, fresh };
}

describe('the runtime on a GQA-form Gemma 3 decoder', () => {
  it('gives the plain form’s greedy tokens on every turn, reusing and cropping the kept cache alike', async () => {
    const a = await conversation(plain, 'plain');
    const b = await conversation(gqa, 'gqa');
    expect(b.turn1.tokenIds).toHaveLength(16);
    expect(b.turn1.tokenIds).toEqual(a.turn1.tokenIds);
    // The follow-up reuses the whole first turn from the cache: its prompt and the answer's own ids, but the last
    // one, which generation stopped before feeding.
    expect(b.turn2.stats.cachedTokens).toBe(b.turn1.stats.promptTokens + 16 - 1);
    expect(b.turn2.tokenIds).toEqual(a.turn2.tokenIds);
    // The edit keeps the first turn and what the two questions share, cuts the rest of the old question and its
    // answer away (a crop, not a recompute), and answers as a fresh run does.
    expect(b.edited.stats.cachedTokens).toBeGreaterThanOrEqual(b.turn2.stats.cachedTokens);
    expect(b.edited.stats.cachedTokens).toBeLessThan(b.turn2.stats.promptTokens);
    expect(b.edited.stats.cachedTokens).toBe(a.edited.stats.cachedTokens);
    expect(b.edited.tokenIds).toEqual(b.fresh.tokenIds);
    expect(b.edited.tokenIds).toEqual(a.edited.tokenIds);
    expect(b.fresh.stats.cachedTokens).toBe(0);
  });

  it('records how each form keeps its cache', async () => {
    const r = await gqa.ask(image(gqa.images.photo), 2);
    expect(r.stats.providers?.decoder?.cache).toBe(
      'new rows written into a per-head buffer (GroupQueryAttention)',
    );
    const p = await plain.ask(image(plain.images.photo), 2);
    expect(p.stats.providers?.decoder?.cache).toBe('appended in place');
  });

  it('as exported (cache: present), the whole cache copied each step: the same tokens', async () => {
    const vlm = await Vlm.load(gqa.dir, { device: 'cpu', dtype: 'fp32', cache: 'present' });
    try {
      const question = [user(image(gqa.images.photo), text('What is this?'))];
      const options = { sampling: { maxTokens: 16, ignoreEos: true } };
      const r = await vlm.generate({ messages: question, ...options }, () => {});
      expect(r.stats.providers?.decoder?.cache).toBe('copied each step (turned off)');
      expect(r.tokenIds).toEqual((await plain.greedy(question, 16)).tokenIds);
    } finally {
      await vlm.dispose();
    }
  });

  it('q4: the new-rows rewrite, int8 activations and GELU fusion apply; the last-logits slice is left to num_logits_to_keep', async () => {
    const dir = await testModelDir({ family: 'gemma3', dtype: 'q4', attention: 'gqa' });
    const path = join(dir, 'onnx', 'decoder_model_merged_q4.onnx');
    const graph = decoderGraph(path, {});
    expect(graph).toMatchObject({ appended: false, gqaRows: true });
    // Why the appended cache did not apply.
    expect(graph.reason).toBe('fused GroupQueryAttention returns the whole cache as present');
    expect(graph.bytes).not.toBeNull();
    // Gemma's MLP activation is the spelled-out tanh GELU: one FastGelu per layer (gelu-fusion.ts).
    expect(graph.fusedGelus).toBeGreaterThan(0);
    // Neither cache rewrite nor int8 nor GELU fusion: nothing else to rewrite (num_logits_to_keep already keeps
    // the last position).
    expect(
      decoderGraph(path, { cache: 'present', int8Activations: false, fuseGelu: false }).bytes,
    ).toBeNull();
  });
});
