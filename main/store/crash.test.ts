/**
 * Crash safety: a child process writes and streams into the store and is killed with SIGKILL at random
 * moments; every commit it reported before dying must be there, intact, and the answer it was streaming
 * must come back as 'interrupted' with the text committed so far.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../app/ipc/contract.ts';
import { openStore } from './store.ts';
import { answerText, TOKENS_PER_ANSWER, type Report } from './testing/crash-protocol.ts';
import { tempDir } from './testing/temp.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
const ROUNDS = 6;

/**
 * Runs the child until it has reported `lines` commits, then kills it. Returns every complete line it
 * wrote, those still in the pipe at the kill included: each was written after its commit.
 */
function runAndKill(dataDir: string, lines: number): Promise<Report[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dataDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const reports: Report[] = [];
    let pending = '';
    let stderr = '';
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let ended = false;
    // Never leave a child behind, whatever happens here.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    const settle = () => {
      // Done once the child is gone and its stdout drained (stderr may be held by a grandchild).
      if (!exited || !ended) return;
      clearTimeout(timer);
      if (exited.signal === 'SIGKILL' && reports.length >= lines) resolve(reports);
      else reject(new Error(`crash child ended early (${JSON.stringify(exited)}):\n${stderr}`));
    };
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? ''; // a line cut by the kill is not a report
      for (const line of complete) reports.push(JSON.parse(line) as Report);
      if (reports.length >= lines && !proc.killed) proc.kill('SIGKILL');
    });
    proc.stdout.on('end', () => {
      ended = true;
      settle();
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      settle();
    });
  });
}

function textOf(message: Message): string {
  return message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
}

describe('crash safety', () => {
  it('keeps every reported commit through repeated kill -9', async () => {
    const dataDir = tempDir();
    /** Final state of each message once a round has checked it; later rounds must find it unchanged. */
    const settled = new Map<string, Message>();
    let interrupted = 0;

    for (let round = 0; round < ROUNDS; round++) {
      // Anywhere from the first question to a few answers in: mostly mid-stream, sometimes between calls.
      const lines = 1 + Math.floor(Math.random() * 3 * (TOKENS_PER_ANSWER + 3));
      const reports = await runAndKill(dataDir, lines);
      const context = `round ${round}, killed after ${lines} reports`;
      expect(reports.length, context).toBeGreaterThanOrEqual(lines);

      const store = openStore(dataDir);
      try {
        const streamingBefore = (store as unknown as { db: Database.Database }).db
          .prepare(`SELECT id FROM messages WHERE status = 'streaming'`)
          .pluck()
          .all() as string[];
        expect(store.markInterrupted(), context).toBe(streamingBefore.length);

        const appended = new Map<string, number>();
        const finished = new Set<string>();
        for (const r of reports) {
          if (r.type === 'append') appended.set(r.id, r.count);
          if (r.type === 'finished') finished.add(r.id);
        }
        for (const r of reports) {
          if (r.type !== 'message') continue;
          const message = store.getMessage(r.id);
          expect(message, `${context}: message ${r.id} lost`).not.toBeNull();
          if (!message) continue;
          expect(message, context).toMatchObject({
            threadId: r.threadId,
            parentId: r.parentId,
            role: r.role,
          });
          if (r.role === 'user') {
            expect(message.parts, context).toEqual(r.parts);
            expect(message.status, context).toBe('complete');
          } else {
            const text = textOf(message);
            if (message.status === 'complete') {
              expect(text, context).toBe(answerText(TOKENS_PER_ANSWER));
            } else {
              // A reported finish is never undone; an unfinished answer has exactly the tokens reported,
              // or one more (committed, killed before reporting it).
              expect(finished.has(r.id), `${context}: ${r.id} lost its finish`).toBe(false);
              expect(message.status, `${context}: the answer being streamed`).toBe('interrupted');
              const count = appended.get(r.id) ?? 0;
              expect([answerText(count), answerText(count + 1)], `${context}: ${r.id}`).toContain(text);
              interrupted++;
            }
          }
          // Its thread still shows a branch that exists.
          const leaf = store.getThread(message.threadId)?.thread.currentLeafId;
          expect(leaf && store.getMessage(leaf), context).toBeTruthy();
        }
        for (const [id, before] of settled)
          expect(store.getMessage(id), `${context}: ${id} changed`).toEqual(before);
        for (const r of reports) {
          if (r.type === 'message') settled.set(r.id, store.getMessage(r.id) as Message);
        }
      } finally {
        store.close();
      }
      const db = new Database(path.join(dataDir, 'tessera.db'), { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    // Practically every kill lands in a stream (300 of every 303 reports are tokens).
    expect(interrupted).toBeGreaterThan(0);
  });
});
