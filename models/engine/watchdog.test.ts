/**
 * The engine's watchdog against model folders that never finish: a chat template that loops and a
 * tokenizer regex that backtracks forever. A real engine process each time; deadlines shortened so the
 * tests take seconds, not the minutes a real load may take.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.ts';
import {
  BACKTRACKING_PROMPT,
  modelCopy,
  withBacktrackingTokenizer,
  withLoopingTemplate,
} from '../testing/hostile-models.ts';
import { testModelDir } from '../testing/test-models.ts';
import { EngineClient } from './client.ts';
import { describeHang, deadlineOf, DEFAULT_DEADLINES } from './watchdog.ts';

let base: string;
const made: string[] = [];
let engine: EngineClient | undefined;

beforeAll(async () => {
  base = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
});
afterEach(() => {
  engine?.close();
  engine = undefined;
});
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const hostile = (edit: (dir: string) => string) => {
  const dir = edit(modelCopy(base));
  made.push(dir);
  return dir;
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('engine watchdog', () => {
  it('stops a load whose chat template loops, naming the template file', async () => {
    const dir = hostile(withLoopingTemplate);
    engine = EngineClient.spawn({ deadlines: { template: 2_000 } });
    await engine.ready;
    const pid = engine.pid ?? -1;
    const started = Date.now();
    const error = await engine.request('load', { dir, device: 'cpu' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TesseraError);
    expect((error as TesseraError).code).toBe('ENGINE_HUNG');
    expect((error as TesseraError).message).toContain(join(dir, 'chat_template.jinja'));
    expect((error as TesseraError).message).toContain('rendering the chat template');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(engine.hang).toMatchObject({ stage: 'template', modelAtFault: true });
    expect(await until(() => !alive(pid), 5_000)).toBe(true);
    // Nothing more is sent to a killed engine: the next request fails at once with the same reason.
    await expect(engine.request('forgetThread', { threadId: 't' })).rejects.toMatchObject({
      code: 'ENGINE_HUNG',
    });
  });

  it('stops an answer whose tokenizer regex backtracks forever, naming tokenizer.json', async () => {
    const dir = hostile(withBacktrackingTokenizer);
    engine = EngineClient.spawn({ deadlines: { tokenize: 2_000 } });
    await engine.ready;
    await engine.request('load', { dir, device: 'cpu', dtype: 'fp32' });
    const answer = engine.generate({
      messages: [{ role: 'user', content: [{ type: 'text', text: BACKTRACKING_PROMPT }] }],
      sampling: { maxTokens: 4 },
    });
    await expect(answer).rejects.toMatchObject({
      code: 'ENGINE_HUNG',
      message: expect.stringContaining(`tokenizing the prompt (${join(dir, 'tokenizer.json')})`),
    });
    expect(engine.hang?.modelAtFault).toBe(true);
  });

  it('lets a good model load and answer under the same deadlines', async () => {
    engine = EngineClient.spawn({ deadlines: { template: 2_000, tokenize: 2_000 } });
    await engine.ready;
    await engine.request('load', { dir: base, device: 'cpu', dtype: 'fp32' });
    const result = await engine.generate({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      sampling: { maxTokens: 3, ignoreEos: true },
    });
    expect(result.tokenIds).toHaveLength(3);
    expect(engine.hang).toBeNull();
  });

  it('ends a stuck engine whose parent was killed', async () => {
    const dir = hostile(withLoopingTemplate);
    // A parent that starts an engine, has it load the looping template, prints the engine's pid, then waits.
    const script = join(dir, 'parent.mts');
    writeFileSync(
      script,
      `import { EngineClient } from ${JSON.stringify(new URL('./client.ts', import.meta.url).pathname)};
const engine = EngineClient.spawn();
await engine.ready;
void engine.request('load', { dir: ${JSON.stringify(dir)}, device: 'cpu' }).catch(() => {});
setTimeout(() => console.log(engine.pid), 1000);
setInterval(() => {}, 1000);
`,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const enginePid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once('exit', (code) => reject(new Error(`the parent script exited (${code})`)));
    });
    expect(alive(enginePid)).toBe(true);
    // SIGKILL: the parent runs no exit handler, so only the engine's own guard can end it.
    parent.kill('SIGKILL');
    const ended = await until(() => !alive(enginePid), 10_000);
    if (!ended) process.kill(enginePid, 'SIGKILL');
    expect(ended).toBe(true);
  });
});

describe('deadlines', () => {
  it('give a graph more time the larger it is', () => {
    const small = deadlineOf({ stage: 'session', bytes: 1e6 }, DEFAULT_DEADLINES);
    const large = deadlineOf({ stage: 'session', bytes: 8 * 2 ** 30 }, DEFAULT_DEADLINES);
    expect(large - small).toBeGreaterThanOrEqual(7 * DEFAULT_DEADLINES.sessionPerGiB);
  });

  it('blame the model only for its own files', () => {
    expect(describeHang({ stage: 'template', file: '/m/t.jinja' }, 15_000).modelAtFault).toBe(true);
    expect(describeHang({ stage: 'decode' }, 120_000).modelAtFault).toBe(false);
    expect(describeHang({ stage: 'image' }, 120_000).message).toContain('decoding an image');
  });
});
