import { describe, expect, it } from 'vitest';
import {
  EMPTY_REDACTION,
  addStroke,
  brushPath,
  brushSize,
  extendStroke,
  redactedName,
  undoStroke,
} from './redact.ts';

const box = { kind: 'box', region: { x: 10, y: 20, width: 30, height: 40 } } as const;

describe('redaction strokes', () => {
  it('adds boxes and brush lines in order, and undoes the last one', () => {
    let r = addStroke(EMPTY_REDACTION, box);
    r = addStroke(r, { kind: 'brush', size: 12, points: [{ x: 1, y: 2 }] });
    r = extendStroke(r, { x: 5, y: 6 });
    r = extendStroke(r, { x: 5, y: 6 });
    r = extendStroke(r, { x: 9, y: 9 });
    expect(r.strokes).toEqual([
      box,
      {
        kind: 'brush',
        size: 12,
        points: [
          { x: 1, y: 2 },
          { x: 5, y: 6 },
          { x: 9, y: 9 },
        ],
      },
    ]);
    // Undo takes the whole brush line back, then the box; undo of nothing is nothing.
    r = undoStroke(r);
    expect(r.strokes).toEqual([box]);
    r = undoStroke(undoStroke(r));
    expect(r.strokes).toEqual([]);
    expect(EMPTY_REDACTION.strokes).toEqual([]);
  });

  it('extends only a brush line being drawn', () => {
    const r = addStroke(EMPTY_REDACTION, box);
    expect(extendStroke(r, { x: 1, y: 1 })).toBe(r);
    expect(extendStroke(EMPTY_REDACTION, { x: 1, y: 1 })).toBe(EMPTY_REDACTION);
  });

  it('keeps a brush width chosen on screen in original pixels', () => {
    expect(brushSize(24, { width: 960, height: 540 }, { width: 1920, height: 1080 })).toBe(48);
    expect(brushSize(4, { width: 800, height: 400 }, { width: 100, height: 50 })).toBe(1);
  });

  it('draws a brush line as a path, a single point as a dot', () => {
    expect(
      brushPath([
        { x: 1, y: 2 },
        { x: 3, y: 4 },
      ]),
    ).toBe('M 1 2 L 3 4');
    expect(brushPath([{ x: 7, y: 8 }])).toBe('M 7 8 L 7 8');
    expect(brushPath([])).toBe('');
  });

  it('names the redacted image once, as a PNG', () => {
    expect(redactedName('screenshot.jpg')).toBe('screenshot (redacted).png');
    expect(redactedName('screenshot (redacted).png')).toBe('screenshot (redacted).png');
    expect(redactedName('.png')).toBe('image (redacted).png');
  });
});
