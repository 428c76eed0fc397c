/**
 * The scaffolding every family's runtime test repeats: a Vlm loaded from a generated test model (disposed after
 * the file), its test images, chat-message builders, greedy generation, and the `tessera` CLI run in a scratch
 * folder. Hooks are registered where the function is called, so a `describe.each` block gets its own model.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ChatMessage, GenerateResult } from '../../app/chat.ts';
import { Vlm } from '../runtime/vlm.ts';
import { type TestModelOptions, testModelDir } from './test-models.ts';

export const user = (...content: ChatMessage['content']): ChatMessage => ({ role: 'user', content });
export const text = (t: string) => ({ type: 'text' as const, text: t });
export const image = (data: Uint8Array, detail?: 'low' | 'high') => ({
  type: 'image' as const,
  data,
  detail,
});

/** A model folder: test-model options, or a function that makes the folder (Qwen2.5-VL's own cache). */
export type ModelSource = TestModelOptions | (() => Promise<string>);

export const modelDir = (source: ModelSource): Promise<string> =>
  typeof source === 'function' ? source() : testModelDir(source);

export interface TestVlm<I extends string> {
  readonly dir: string;
  readonly vlm: Vlm;
  readonly images: Readonly<Record<I, Uint8Array>>;
  /** Greedy generation that ignores EOS, so answers have a known length. */
  greedy(messages: ChatMessage[], maxTokens?: number, threadId?: string): Promise<GenerateResult>;
  /** The greedy answer to "What is this?" about one image part (16 tokens unless told). */
  ask(part: ReturnType<typeof image>, maxTokens?: number): Promise<GenerateResult>;
}

/** Loads the fp32 model on the CPU and makes the images before the tests of the calling scope. */
export function useTestVlm<I extends string>(
  source: ModelSource,
  makeImages: () => Record<I, Promise<Uint8Array>>,
  timeout?: number,
): TestVlm<I> {
  const state = { dir: '', vlm: undefined as Vlm | undefined, images: {} as Record<I, Uint8Array> };
  beforeAll(async () => {
    state.dir = await modelDir(source);
    state.vlm = await Vlm.load(state.dir, { device: 'cpu', dtype: 'fp32' });
    const pending = Object.entries<Promise<Uint8Array>>(makeImages());
    const made = await Promise.all(pending.map(async ([k, p]) => [k, await p] as const));
    state.images = Object.fromEntries(made) as Record<I, Uint8Array>;
  }, timeout);
  afterAll(async () => {
    await state.vlm?.dispose();
  });
  return {
    get dir() {
      return state.dir;
    },
    get vlm() {
      if (!state.vlm) throw new Error('the Vlm is not loaded yet');
      return state.vlm;
    },
    get images() {
      return state.images;
    },
    greedy(messages, maxTokens = 12, threadId) {
      return this.vlm.generate({ messages, threadId, sampling: { maxTokens, ignoreEos: true } }, () => {});
    },
    ask(part, maxTokens = 16) {
      return this.greedy([user(part, text('What is this?'))], maxTokens);
    },
  };
}

export interface TesseraCli {
  /** Runs `bin/tessera.mjs` with these arguments in the scratch folder. */
  run(...args: string[]): { code: number | null; stdout: string; stderr: string };
  /** `tessera plan` on the folder, asserting it succeeded; returns the printed plan. */
  plan(dir: string, ...args: string[]): Record<string, unknown>;
  /** `tessera ask` about an image: asserts it succeeds and prints an answer (and the encode line if asked). */
  expectAskStreams(
    dir: string,
    photo: Uint8Array,
    options?: { args?: string[]; visionEncode?: boolean },
  ): void;
}

/** The CLI against a scratch folder made before the calling scope's tests and deleted after them. */
export function useTesseraCli(prefix: string): TesseraCli {
  const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
  let scratch = '';
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), `tessera-${prefix}-cli-`));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const cli: TesseraCli = {
    run(...args) {
      const run = spawnSync(process.execPath, [bin, ...args], {
        encoding: 'utf8',
        cwd: scratch,
        timeout: 120_000,
      });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    },
    plan(dir, ...args) {
      const run = cli.run('plan', '--model', dir, ...args);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    },
    expectAskStreams(dir, photo, options = {}) {
      const imagePath = join(scratch, 'shot.png');
      writeFileSync(imagePath, photo);
      const args = ['--device', 'cpu', '--max-tokens', '6', ...(options.args ?? [])];
      const run = cli.run('ask', '--model', dir, ...args, imagePath, '--', 'What is it?');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().length).toBeGreaterThan(0);
      if (options.visionEncode ?? true) expect(run.stderr).toContain('vision encode');
    },
  };
  return cli;
}
