/** The model's own tokenizer and chat template, wherever the folder keeps the template. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../testing/test-models.ts';
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
