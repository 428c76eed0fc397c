/** An answer's token probabilities in the store and the JSON export (confidence shading, issue 18). */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { TokenConfidence } from '../../app/chat.ts';
import type { Message } from '../../app/ipc/contract.ts';
import { packConfidence, unpackConfidence } from './confidence.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import { tempStore, tickingClock } from './testing/temp.ts';

const tokens: TokenConfidence[] = [
  {
    text: 'A',
    p: 0.912345678,
    alternatives: [
      { text: 'The', p: 0.05 },
      { text: '', p: 0.01 },
    ],
  },
  { text: '', p: 0.3, alternatives: [] },
  { text: ' boat 🚤', p: 0.000123456, alternatives: [{ text: ' ship', p: 0.6 }] },
];

const rounded = (list: TokenConfidence[]) =>
  list.map((t) => ({
    ...t,
    p: Number(t.p.toPrecision(4)),
    alternatives: t.alternatives.map((a) => ({ ...a, p: Number(a.p.toPrecision(4)) })),
  }));

function answered(confidence?: TokenConfidence[]) {
  const { store } = tempStore({ now: tickingClock() });
  const thread = store.createThread('Boats');
  const q = store.addMessage({
    threadId: thread.id,
    parentId: null,
    role: 'user',
    parts: [{ type: 'text', text: 'What is it?' }],
    status: 'complete',
  });
  const a = store.addMessage({
    threadId: thread.id,
    parentId: q.id,
    role: 'assistant',
    parts: [],
    status: 'streaming',
  });
  store.appendText(a.id, 'A boat 🚤');
  store.finishMessage(a.id, {
    status: 'complete',
    tokenIds: [1, 2, 3],
    ...(confidence ? { confidence } : {}),
  });
  return { store, thread, question: q, answer: a };
}

describe('token probabilities', () => {
  it('pack to compact JSON and back, to 4 significant digits', () => {
    const json = packConfidence(tokens);
    expect(JSON.parse(json)).toEqual([
      [
        'A',
        0.9123,
        [
          ['The', 0.05],
          ['', 0.01],
        ],
      ],
      ['', 0.3, []],
      [' boat 🚤', 0.0001235, [[' ship', 0.6]]],
    ]);
    expect(unpackConfidence(json)).toEqual(rounded(tokens));
  });

  it('unpack nothing from a damaged row', () => {
    expect(unpackConfidence('{"a":1}')).toBeNull();
    expect(unpackConfidence('[["A", "high", []]]')).toBeNull();
    expect(unpackConfidence('not json')).toBeNull();
  });

  it('are kept with the answer and read back; none where none were given', () => {
    const { store, answer, question } = answered(tokens);
    expect(store.confidenceOf(answer.id)).toEqual(rounded(tokens));
    expect(store.confidenceOf(question.id)).toBeNull();
    expect(store.confidenceOf('no-such-message')).toBeNull();
    expect(answered().store.confidenceOf(answered().answer.id)).toBeNull();
  });

  it('are in the JSON export as {text, p, alternatives} on the answer only', () => {
    const { store, thread, answer } = answered(tokens);
    const doc = JSON.parse(store.exportJson(thread.id).content) as {
      messages: Array<Message & { confidence?: TokenConfidence[] }>;
    };
    expect(doc.messages.find((m) => m.id === answer.id)?.confidence).toEqual(rounded(tokens));
    expect(doc.messages.find((m) => m.role === 'user')).not.toHaveProperty('confidence');
  });

  it('get a column of their own that refuses anything but JSON', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS);
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('messages');
    expect(columns).toContain('token_probs');
    db.prepare("INSERT INTO threads (id, title, created_at, updated_at) VALUES ('t', '', 0, 0)").run();
    const insert = db.prepare(
      `INSERT INTO messages (id, thread_id, role, parts, status, created_at, token_probs)
       VALUES (?, 't', 'assistant', '[]', 'complete', 0, ?)`,
    );
    expect(() => insert.run('m1', 'not json')).toThrow(/CHECK constraint/);
    insert.run('m2', packConfidence(tokens));
    db.close();
  });
});
