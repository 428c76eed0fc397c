/** The model's own tokenizer and chat template, wherever the folder keeps the template. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../testing/test-models.ts';
import type { ChatMessage } from '../../app/chat.ts';
import { bindFolder } from '../families/plan-folder.ts';
import { buildPrompt, toTemplateMessages } from '../runtime/prompt.ts';
import { loadTextModel } from './tokenizer.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-tokenizer-'));
let dir: string;
const messages = [
  { role: 'user', content: [{ type: 'image' as const }, { type: 'text' as const, text: 'Hi' }] },
];

beforeAll(async () => {
  dir = await testModelDir();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function variant(name: string, change: (copy: string) => void): string {
  const copy = join(scratch, name);
  cpSync(dir, copy, { recursive: true });
  change(copy);
  return copy;
}

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('loadTextModel', () => {
  it('renders the SmolVLM template and round-trips text through the tokenizer', () => {
    const text = loadTextModel(dir);
    expect(text.renderChat(messages, true)).toBe('<|im_start|>User:<image>Hi<end_of_utterance>\nAssistant:');
    const sample = 'Grüße, 日本 😀 — code `x = 1`';
    expect(text.decode(text.encode(sample))).toBe(sample);
    expect(text.eosTokenIds).toContain(text.tokenId('<end_of_utterance>'));
  });

  it('adds the post-processor BOS to a prompt that lacks it (llava-hf), never a second one (SmolVLM)', () => {
    // llava-hf's tokenizer.json adds `<s>` in a TemplateProcessing post-processor; its template never writes it.
    const withBos = variant('bos-post-processor', (copy) => {
      const tokenizer = json(join(copy, 'tokenizer.json'));
      const bos = '<|im_start|>';
      const id = loadTextModel(dir).tokenId(bos);
      tokenizer.post_processor = {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { [bos]: { id: bos, ids: [id], tokens: [bos] } },
      };
      writeFileSync(join(copy, 'tokenizer.json'), JSON.stringify(tokenizer));
    });
    const text = loadTextModel(withBos);
    const bosId = text.tokenId('<|im_start|>');
    expect(text.encodePrompt('User: hi')).toEqual([bosId, ...text.encode('User: hi')]);
    // The template already wrote BOS (SmolVLM's bos_token is <|im_start|>): Python adds no second one.
    expect(text.encodePrompt('<|im_start|>User: hi')).toEqual(text.encode('<|im_start|>User: hi'));
    expect(text.encodePrompt('<|im_start|>User: hi').filter((t) => t === bosId)).toHaveLength(1);
    // Without such a post-processor nothing is added.
    expect(loadTextModel(dir).encodePrompt('User: hi')).toEqual(loadTextModel(dir).encode('User: hi'));
  });

  it('renders string-only templates (Phi-3.5-vision) with the image placeholder written into the text', () => {
    // microsoft/Phi-3.5-vision-instruct's template: it concatenates message['content'] as a string.
    const phi = variant('string-content', (copy) =>
      writeFileSync(
        join(copy, 'chat_template.jinja'),
        "{% for message in messages %}{{'<|' + message['role'] + '|>' + '\\n' + message['content'] + '<|end|>\\n' }}{% endfor %}" +
          "{% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}{{- '<|assistant|>\\n' -}}{% endif %}",
      ),
    );
    const text = loadTextModel(phi);
    expect(text.partsInTemplate).toBe(false);
    expect(loadTextModel(dir).partsInTemplate).toBe(true);
    const chat: ChatMessage[] = [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'What is it?' }] },
    ];
    const family = bindFolder(phi);
    const plan = family.planImage({ width: 512, height: 512 }, 'low');
    const prompt = buildPrompt(chat, [{ key: 'a', plan }], family, text);
    const rendered = text.decode(prompt.ids);
    expect(text.renderChat(toTemplateMessages(chat, '<image>\n'), true)).toBe(
      '<|user|>\n<image>\nWhat is it?<|end|>\n<|assistant|>\n',
    );
    expect(prompt.spans).toHaveLength(1);
    expect(prompt.ids.filter((id) => id === family.imageTokenId)).toHaveLength(plan.imageTokens);
    expect(rendered).toContain('What is it?');
    expect(rendered).not.toContain('"type"');
  });

  it('prefers chat_template.jinja, then chat_template.json, then tokenizer_config.json', () => {
    const jinja = variant('jinja', (copy) =>
      writeFileSync(join(copy, 'chat_template.jinja'), 'JINJA{{ messages[0].role }}'),
    );
    expect(loadTextModel(jinja).renderChat(messages, true)).toBe('JINJAuser');
    const fromConfig = variant('config-only', (copy) => {
      rmSync(join(copy, 'chat_template.json'));
      const config = json(join(copy, 'tokenizer_config.json'));
      writeFileSync(join(copy, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: 'CFG' }));
    });
    expect(loadTextModel(fromConfig).renderChat(messages, true)).toBe('CFG');
  });

  it('names what is missing or broken', () => {
    const none = variant('no-template', (copy) => {
      rmSync(join(copy, 'chat_template.json'));
      const config = json(join(copy, 'tokenizer_config.json'));
      delete config.chat_template;
      writeFileSync(join(copy, 'tokenizer_config.json'), JSON.stringify(config));
    });
    expect(() => loadTextModel(none)).toThrow(/has no chat template/);
    const broken = variant('bad-json', (copy) => writeFileSync(join(copy, 'tokenizer.json'), '{"model": '));
    expect(() => loadTextModel(broken)).toThrow(/tokenizer\.json is not valid JSON/);
    const badTemplate = variant('bad-template', (copy) =>
      writeFileSync(join(copy, 'chat_template.jinja'), '{% for %}'),
    );
    expect(() => loadTextModel(badTemplate)).toThrow(/chat template .* does not parse/);
  });
});
