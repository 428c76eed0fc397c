import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../app/chat.ts';
import { bindFolder } from '../families/plan-folder.ts';
import { loadTextModel } from '../text/tokenizer.ts';
import { buildPrompt, reusablePrefix } from './prompt.ts';

describe('reusablePrefix', () => {
  const cached = { ids: [1, 2, 9, 9, 9, 3, 4, 5], spans: [{ key: 'imgA', start: 2, end: 5 }] };

  it('is the common token prefix', () => {
    expect(reusablePrefix(cached, { ids: [1, 2, 9, 9, 9, 3, 4, 5, 6, 7], spans: cached.spans })).toBe(8);
    expect(reusablePrefix(cached, { ids: [1, 2, 9, 9, 9, 3, 8], spans: cached.spans })).toBe(6);
  });

  it('stops before an image whose pixels differ even though the token ids match', () => {
    const next = { ids: [1, 2, 9, 9, 9, 3, 4, 5, 6], spans: [{ key: 'imgB', start: 2, end: 5 }] };
    expect(reusablePrefix(cached, next)).toBe(2);
  });

  it('stops before an image that moved', () => {
    const next = { ids: [1, 2, 9, 9, 9, 3], spans: [{ key: 'imgA', start: 3, end: 5 }] };
    expect(reusablePrefix(cached, next)).toBe(2);
  });
});

/** SmolVLM-256M-Instruct's real tokenizer, chat template and configs, vendored as a test fixture. */
const REAL_SMOLVLM = fileURLToPath(new URL('../testing/fixtures/smolvlm-256m-instruct', import.meta.url));

describe("buildPrompt with the model's own answer ids (real SmolVLM-256M tokenizer and template)", () => {
  const text = loadTextModel(REAL_SMOLVLM);
  const family = bindFolder(REAL_SMOLVLM);
  const question: ChatMessage = {
    role: 'user',
    content: [{ type: 'text', text: 'What does this error mean?' }],
  };
  const followUp: ChatMessage = { role: 'user', content: [{ type: 'text', text: 'How do I fix it?' }] };
  // What a model might generate after "Assistant:": its own split, with the space it chose.
  const answerIds = [
    ...text.encode(' The'),
    ...text.encode(' file'),
    ...text.encode(' is'),
    ...text.encode(' miss'),
    ...text.encode('ing'),
    ...text.encode('.'),
  ];
  const answerText = text.decode(answerIds);

  it('the own ids differ from the answer tokenized again (the case this is for)', () => {
    expect(answerText).toBe(' The file is missing.');
    expect(text.encode(answerText)).not.toEqual(answerIds);
  });

  it('holds the first prompt and the answer ids as generated, then the rest of the template', () => {
    const first = buildPrompt([question], [], family, text);
    const answer: ChatMessage = {
      role: 'assistant',
      content: [{ type: 'text', text: answerText.trim() }],
      tokenIds: answerIds,
    };
    const second = buildPrompt([question, answer, followUp], [], family, text);
    expect(second.ownAnswers).toBe(1);
    expect(second.ids.slice(0, first.ids.length)).toEqual(first.ids);
    expect(second.ids.slice(first.ids.length, first.ids.length + answerIds.length)).toEqual(answerIds);
    expect(second.ids.slice(first.ids.length + answerIds.length)).toEqual(
      text.encode('<end_of_utterance>\nUser: How do I fix it?<end_of_utterance>\nAssistant:'),
    );
  });

  it('tokenizes an answer again whose ids the tokenizer does not have (they decode to nothing)', () => {
    const answer: ChatMessage = {
      role: 'assistant',
      content: [{ type: 'text', text: answerText.trim() }],
      tokenIds: [...answerIds, 9_999_999],
    };
    const withIds = buildPrompt([question, answer, followUp], [], family, text);
    const plain = buildPrompt([question, { ...answer, tokenIds: undefined }, followUp], [], family, text);
    expect(withIds.ownAnswers).toBe(0);
    expect(withIds.ids).toEqual(plain.ids);
  });

  it('tokenizes an edited answer again (its ids no longer decode to its text)', () => {
    const edited: ChatMessage = {
      role: 'assistant',
      content: [{ type: 'text', text: 'The file is there.' }],
      tokenIds: answerIds,
    };
    const withIds = buildPrompt([question, edited, followUp], [], family, text);
    const plain = buildPrompt([question, { ...edited, tokenIds: undefined }, followUp], [], family, text);
    expect(withIds.ownAnswers).toBe(0);
    expect(withIds.ids).toEqual(plain.ids);
  });
});
