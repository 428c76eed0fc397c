/**
 * Tokenizer and chat template from the model folder: `@huggingface/tokenizers` reads tokenizer.json and
 * `@huggingface/jinja` renders the template, so Tessera tokenizes exactly as the model was trained.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { TesseraError } from '../errors.ts';
import { readBoundedSync } from '../files/bounded-read.ts';
import { readJson } from '../runtime/model-folder.ts';
import type { OnStage } from '../runtime/progress.ts';
import { ignoreStages } from '../runtime/progress.ts';

export interface TemplateMessage {
  role: string;
  /** A list of parts, or one string where the template only takes strings (`partsInTemplate` false). */
  content: Array<{ type: 'text'; text: string } | { type: 'image' }> | string;
}

export interface TextModel {
  /** Plain text to ids, no special tokens added. */
  encode(text: string): number[];
  /**
   * A rendered chat prompt to ids, as Python's processors tokenize it: the tokenizer's post-processor adds
   * its special tokens (llava-hf's adds `<s>`, which its template lacks) unless the prompt already starts
   * with the BOS token (SmolVLM's, Gemma's templates), so BOS is never missing and never doubled.
   */
  encodePrompt(text: string): number[];
  decode(ids: readonly number[]): string;
  tokenId(token: string): number | undefined;
  /** Whether `id` is a token of this tokenizer (ids from a request may not be). */
  knows(id: number): boolean;
  renderChat(messages: readonly TemplateMessage[], addGenerationPrompt: boolean): string;
  /**
   * Whether the template reads a message's content as a list of text and image parts. Phi-3.5-vision's
   * concatenates `message['content']` as a string, so its messages are rendered with string content and the
   * image placeholders written into the text, as its model card does.
   */
  readonly partsInTemplate: boolean;
  /** Token ids that end an answer, from generation_config.json, config.json and the tokenizer config. */
  readonly eosTokenIds: readonly number[];
  /** Where the tokenizer and the chat template come from (named when they fail or never finish). */
  readonly files: { tokenizer: string; template: string };
}

export function loadTextModel(dir: string, onStage: OnStage = ignoreStages): TextModel {
  const tokenizerFile = join(dir, 'tokenizer.json');
  onStage({ stage: 'tokenizer', file: tokenizerFile });
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
  const templateFile = templateFileOf(dir);
  onStage({ stage: 'template', file: templateFile });
  const template = compileTemplate(dir, tokenizerConfig);
  const specials = Object.fromEntries(
    ['bos_token', 'eos_token', 'pad_token', 'unk_token'].map((key) => [
      key,
      tokenString(tokenizerConfig[key]),
    ]),
  );
  const tokenId = (token: string) => tokenizer.token_to_id(token);
  const renderChat = (messages: readonly TemplateMessage[], addGenerationPrompt: boolean) =>
    template.render({ messages, add_generation_prompt: addGenerationPrompt, ...specials });
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    encodePrompt: (text) => {
      const bos = specials.bos_token;
      return tokenizer.encode(text, { add_special_tokens: !(bos && text.startsWith(bos)) }).ids;
    },
    decode: (ids) => tokenizer.decode(ids as number[], { skip_special_tokens: true }),
    tokenId,
    knows: (id) => tokenizer.id_to_token(id) !== undefined,
    renderChat,
    partsInTemplate: readsContentParts(renderChat),
    eosTokenIds: eosIds(dir, tokenizerConfig, tokenId),
    files: { tokenizer: tokenizerFile, template: templateFile },
  };
}

/** The same model, reporting each template render and tokenization as a stage (they can run forever). */
export function watchedTextModel(text: TextModel, onStage: OnStage): TextModel {
  const { files } = text;
  const tokenizing =
    <A extends unknown[], R>(run: (...args: A) => R) =>
    (...args: A): R => {
      onStage({ stage: 'tokenize', file: files.tokenizer });
      return run(...args);
    };
  return {
    ...text,
    encode: tokenizing(text.encode),
    encodePrompt: tokenizing(text.encodePrompt),
    renderChat: (messages, addGenerationPrompt) => {
      onStage({ stage: 'template', file: files.template });
      return text.renderChat(messages, addGenerationPrompt);
    },
  };
}

/** The file the chat template is read from, in the order compileTemplate looks. */
function templateFileOf(dir: string): string {
  for (const name of ['chat_template.jinja', 'chat_template.json']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return join(dir, 'tokenizer_config.json');
}

/** A text part must come out as its text, not as the list printed (`[{"type": "text", …}]`) or dropped. */
function readsContentParts(render: (messages: TemplateMessage[], add: boolean) => string): boolean {
  const probe = 'tessera-probe-7f3a';
  try {
    const out = render([{ role: 'user', content: [{ type: 'text', text: probe }] }], true);
    return out.includes(probe) && !/"type"\s*:/.test(out);
  } catch {
    return false;
  }
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
    ? readBoundedSync(jinjaPath, 'template').toString('utf8')
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
