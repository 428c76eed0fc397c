/**
 * The command line with a model whose chat template never finishes rendering: `tessera ask` ends with an
 * error naming the file instead of waiting forever, and `tessera serve` stops on SIGTERM while its engine
 * is stuck, taking the engine with it. Real processes, default deadlines.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelCopy, withLoopingTemplate } from '../../models/testing/hostile-models.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { DEFAULT_DEADLINES } from '../../models/engine/watchdog.ts';

const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-stuck-'));
const modelsDir = join(scratch, 'models');
let looping: string;

beforeAll(async () => {
  const base = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  mkdirSync(modelsDir);
  looping = withLoopingTemplate(modelCopy(base, modelsDir));
  mkdirSync(join(scratch, 'renderer'));
  writeFileSync(join(scratch, 'renderer', 'index.html'), '<!doctype html><title>Tessera UI</title>');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Child process ids of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // The field after the parenthesised command name: state, then the parent's pid.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Whether `pid` still runs (a zombie waiting to be reaped does not). */
const running = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return check();
}

describe('a stuck engine at the command line', () => {
  it('tessera ask ends with an error naming the template file', async () => {
    const child = spawn(
      process.execPath,
      [bin, 'ask', '--model', looping, '--device', 'cpu', '--', 'hello'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const startedAt = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('rendering the chat template');
    expect(stderr).toContain(join(looping, 'chat_template.jinja'));
    expect(Date.now() - startedAt).toBeLessThan(DEFAULT_DEADLINES.template + 60_000);
  });

  it('tessera serve stops on SIGTERM while the engine is stuck, and the engine goes with it', async () => {
    const child = spawn(
      process.execPath,
      [
        bin,
        'serve',
        '--port',
        '0',
        '--model-dir',
        modelsDir,
        ...['--data-dir', join(scratch, 'data')],
        ...['--renderer-dir', join(scratch, 'renderer')],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env }, cwd: scratch },
    );
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // The start-up load of the only model is now stuck rendering its template.
    let engines: number[] = [];
    for (let i = 0; i < 50 && engines.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      engines = childrenOf(child.pid ?? -1);
    }
    expect(engines.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000));
    const stopAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(DEFAULT_DEADLINES.template);
    expect(await until(() => !engines.some(running), 3_000)).toBe(true);
  });
});
