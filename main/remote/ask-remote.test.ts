/**
 * `tessera ask --remote` as a user runs it: the real CLI process against the fault-injecting server on a real
 * port, the answer on stdout, the server and timings on stderr, a refused key as a one-line error.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../../models/testing/images.ts';
import { FaultServer } from './testing/fault-server.ts';

const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-ask-remote-'));
const KEY = 'sk-cli-key';
let server: FaultServer;
let imagePath: string;

/** The CLI in its own process; spawned asynchronously so this process's server keeps answering. */
function tessera(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: scratch,
      env: { ...process.env, OPENAI_API_KEY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  server = await FaultServer.start({ apiKey: KEY, answer: 'A noisy picture.' });
  imagePath = join(scratch, 'shot.png');
  writeFileSync(imagePath, await noiseImage(40, 30, 5));
});

afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('tessera ask --remote', () => {
  it('streams the answer from the server to stdout, with the image as a data: URL at its detail', async () => {
    const run = await tessera(
      [
        'ask',
        '--remote',
        server.baseUrl,
        '--model',
        'test-vlm',
        '--detail',
        'low',
        imagePath,
        '--',
        'What is it?',
      ],
      { OPENAI_API_KEY: KEY },
    );
    expect(run.stderr).toContain(`server            ${server.baseUrl}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('A noisy picture.\n');
    const request = server.chats.at(-1);
    expect(request?.authorization).toBe(`Bearer ${KEY}`);
    const [message] = request?.body.messages as {
      content: { type: string; image_url?: { detail: string } }[];
    }[];
    expect(message?.content.map((p) => p.type)).toEqual(['image_url', 'text']);
    expect(message?.content[0]?.image_url?.detail).toBe('low');
  });

  it('says in one line when the server refuses the key, and exits 1', async () => {
    const run = await tessera([
      'ask',
      '--remote',
      server.baseUrl,
      '--model',
      'test-vlm',
      '--api-key',
      'wrong',
      '--',
      'Hi',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/tessera ask: .* refused the API key \(401/);
    expect(run.stdout).toBe('');
  });

  it('refuses --api-key without --remote, and --device with it', async () => {
    const keyAlone = await tessera(['ask', '--model', 'x', '--api-key', 'k', '--', 'Hi']);
    expect(keyAlone.code).toBe(2);
    expect(keyAlone.stderr).toContain('--api-key goes with --remote URL.');
    const device = await tessera([
      'ask',
      '--remote',
      server.baseUrl,
      '--model',
      'x',
      '--device',
      'cpu',
      '--',
      'Hi',
    ]);
    expect(device.code).toBe(2);
    expect(device.stderr).toContain('the remote server chooses its own');
  });
});
