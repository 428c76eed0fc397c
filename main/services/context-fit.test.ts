import { describe, expect, it } from 'vitest';
import { droppableTurns, fitToContext } from './context-fit.ts';

const u = (id: string) => ({ id, role: 'user' as const });
const a = (id: string) => ({ id, role: 'assistant' as const });
// Four turns; the last question q4 is being answered.
const path = [u('q1'), a('a1'), u('q2'), a('a2'), u('q3'), a('a3'), u('q4')];
const ids = (turns: { id: string }[][]) => turns.map((t) => t.map((m) => m.id).join('+'));
/** Ten tokens a message. */
const count = async (p: readonly { id: string }[]) => p.length * 10;

describe('droppableTurns', () => {
  it('never offers the question being answered; stop offers nothing', () => {
    expect(ids(droppableTurns(path, 'drop-oldest'))).toEqual(['q1+a1', 'q2+a2', 'q3+a3']);
    expect(ids(droppableTurns(path, 'drop-middle'))).toEqual(['q2+a2', 'q3+a3']);
    expect(droppableTurns(path, 'stop')).toEqual([]);
  });
});

describe('fitToContext', () => {
  it('sends everything that fits', async () => {
    expect(await fitToContext(path, 'drop-oldest', 70, count)).toEqual({ path, dropped: [] });
  });

  it('drops the oldest turns until the rest fits', async () => {
    const fitted = await fitToContext(path, 'drop-oldest', 40, count);
    expect(fitted.dropped).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(fitted.path.map((m) => m.id)).toEqual(['q3', 'a3', 'q4']);
  });

  it('keeps the first turn and drops the middle', async () => {
    const fitted = await fitToContext(path, 'drop-middle', 30, count);
    expect(fitted.path.map((m) => m.id)).toEqual(['q1', 'a1', 'q4']);
    expect(fitted.dropped).toEqual(['q2', 'a2', 'q3', 'a3']);
  });

  it('gives back what is left when even that does not fit, and drops nothing under stop', async () => {
    expect((await fitToContext(path, 'drop-oldest', 5, count)).path.map((m) => m.id)).toEqual(['q4']);
    expect(await fitToContext(path, 'stop', 5, count)).toEqual({ path, dropped: [] });
  });
});
