/**
 * Tokenizer and chat template from the model folder: `@huggingface/tokenizers` reads tokenizer.json and
 * `@huggingface/jinja` renders the template, so Tessera tokenizes exactly as the model was trained.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { TesseraError } from '../errors.ts';
import { readJson } from '../runtime/model-folder.ts';

export interface TemplateMessage {
  role: string;
  content: Array<{ type: 'text'; text: string } | { type: 'image' }>;
}

export interface TextModel {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  tokenId(token: string): number | undefined;
  renderChat(messages: readonly TemplateMessage[], addGenerationPrompt: boolean): string;
  /** Token ids that end an answer, from generation_config.json, config.json and the tokenizer config. */
  readonly eosTokenIds: readonly number[];
}

export function loadTextModel(dir: string): TextModel {
  const tokenizerJson = readJson(dir, 'tokenizer.json', true);
  const tokenizerConfig = readJson(dir, 'tokenizer_config.json', true);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  } catch (error) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `${join(dir, 'tokenizer.json')} could not be read as a tokenizer (${(error as Error).message}).`,
    );
  }
  const template = compileTemplate(dir, tokenizerConfig);
  const specials = Object.fromEntries(
    ['bos_token', 'eos_token', 'pad_token', 'unk_token'].map((key) => [
      key,
      tokenString(tokenizerConfig[key]),
    ]),
  );
  const tokenId = (token: string) => tokenizer.token_to_id(token);
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tokenizer.decode(ids as number[], { skip_special_tokens: true }),
    tokenId,
    renderChat: (messages, addGenerationPrompt) =>
      template.render({ messages, add_generation_prompt: addGenerationPrompt, ...specials }),
    eosTokenIds: eosIds(dir, tokenizerConfig, tokenId),
  };
}

function tokenString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'content' in value) return String(value.content);
  return '';
}

/** The template lives in chat_template.jinja, chat_template.json or tokenizer_config.json, newest first. */
function compileTemplate(dir: string, tokenizerConfig: Record<string, unknown>): Template {
  const jinjaPath = join(dir, 'chat_template.jinja');
  const source = existsSync(jinjaPath)
    ? readFileSync(jinjaPath, 'utf8')
    : (readJson(dir, 'chat_template.json', false)?.chat_template ?? tokenizerConfig.chat_template);
  if (typeof source !== 'string' || source.length === 0) {
    throw new TesseraError(
      'MODEL_FILE_MISSING',
      `The model folder ${dir} has no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json "chat_template").`,
    );
  }
  try {
    return new Template(source);
  } catch (error) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `The chat template in ${dir} does not parse: ${(error as Error).message}`,
    );
  }
}

function eosIds(
  dir: string,
  tokenizerConfig: Record<string, unknown>,
  tokenId: (token: string) => number | undefined,
): number[] {
  const ids = new Set<number>();
  const add = (value: unknown) => {
    for (const id of Array.isArray(value) ? value : [value]) if (typeof id === 'number') ids.add(id);
  };
  add(readJson(dir, 'generation_config.json', false)?.eos_token_id);
  const config = readJson(dir, 'config.json', true);
  add(config.eos_token_id);
  add((config.text_config as Record<string, unknown> | undefined)?.eos_token_id);
  const eosToken = tokenString(tokenizerConfig.eos_token);
  const fromToken = eosToken ? tokenId(eosToken) : undefined;
  if (fromToken !== undefined) ids.add(fromToken);
  return [...ids];
}
