import { describe, expect, it } from 'vitest';
import type { GenerationStats } from '../../../app/chat.ts';
import type { Message } from '../../../app/ipc/contract.ts';
import type { TilePlan } from '../../../app/tile-plan.ts';
import { boxesSource, placeBoxes } from './answer-boxes.ts';
import { cropRect, labelColours, mapBoxes } from './map.ts';
import { parseBoxes, parseLocTokens, parseQwenJson, parseQwenTuples } from './parse.ts';

describe('Qwen2-VL boxes (0–1000)', () => {
  it('reads boxes with their object_ref and box markers', () => {
    const text =
      'Here: <|object_ref_start|>the red car<|object_ref_end|><|box_start|>(100,200),(500,750)<|box_end|> and ' +
      '<|object_ref_start|>a dog<|object_ref_end|><|box_start|>(600, 50),(990,400)<|box_end|>.';
    expect(parseQwenTuples(text)).toEqual([
      { label: 'the red car', x1: 100, y1: 200, x2: 500, y2: 750, space: 'per-mille' },
      { label: 'a dog', x1: 600, y1: 50, x2: 990, y2: 400, space: 'per-mille' },
    ]);
  });

  it('reads the text the engine streams, with the special tokens skipped', () => {
    // What `decode(ids, { skip_special_tokens: true })` leaves of the answer above.
    const text = 'Here: the red car(100,200),(500,750) and a dog(600,50),(990,400).';
    expect(parseQwenTuples(text).map((b) => [b.label, b.x1, b.y1, b.x2, b.y2])).toEqual([
      ['the red car', 100, 200, 500, 750],
      ['a dog', 600, 50, 990, 400],
    ]);
  });

  it('gives every box after one object_ref its label', () => {
    const marked =
      '<|object_ref_start|>cars<|object_ref_end|><|box_start|>(1,2),(3,4)<|box_end|><|box_start|>(5,6),(7,8)<|box_end|>';
    expect(parseQwenTuples(marked).map((b) => b.label)).toEqual(['cars', 'cars']);
    expect(parseQwenTuples('cars(1,2),(3,4)(5,6),(7,8)').map((b) => b.label)).toEqual(['cars', 'cars']);
  });

  it('maps per-mille to the original pixels, whatever the resized size', () => {
    const raw = parseBoxes('<|box_start|>(250,100),(750,600)<|box_end|>', 'qwen2_vl');
    expect(raw).toHaveLength(1);
    expect(mapBoxes(raw, { width: 800, height: 400 }, { width: 812, height: 392 })).toEqual([
      { label: '', x: 200, y: 40, width: 400, height: 200 },
    ]);
  });

  it('leaves out boxes past 1000, empty ones and broken tuples', () => {
    const raw = parseQwenTuples('a(0,0),(1001,500) b(10,10),(10,500) c(5,5),(6) d(1,2),(3,4)');
    expect(raw.map((b) => b.label)).toEqual(['a', 'b', 'd']);
    expect(mapBoxes(raw, { width: 1000, height: 1000 }, null).map((b) => b.label)).toEqual(['d']);
  });
});

describe('Qwen2.5-VL boxes (pixels of the resized input)', () => {
  const fenced =
    'Found them:\n```json\n[\n  {"bbox_2d": [56, 28, 280, 196], "label": "cat"},\n' +
    '  {"bbox_2d": [300, 0, 560, 392], "label": "window"}\n]\n```';

  it('reads bbox_2d objects in a json fence', () => {
    expect(parseQwenJson(fenced)).toEqual([
      { label: 'cat', x1: 56, y1: 28, x2: 280, y2: 196, space: 'resized' },
      { label: 'window', x1: 300, y1: 0, x2: 560, y2: 392, space: 'resized' },
    ]);
  });

  it('maps through the plan’s resized size to the original pixels', () => {
    // A 1000×700 photo that Qwen's smart_resize made 560×392.
    const boxes = mapBoxes(
      parseBoxes(fenced, 'qwen2_vl'),
      { width: 1000, height: 700 },
      { width: 560, height: 392 },
    );
    expect(boxes).toEqual([
      { label: 'cat', x: 100, y: 50, width: 400, height: 300 },
      { label: 'window', x: 300 * (1000 / 560), y: 0, width: 260 * (1000 / 560), height: 700 },
    ]);
  });

  it('places nothing without the answering model’s resized size', () => {
    expect(mapBoxes(parseQwenJson(fenced), { width: 1000, height: 700 }, null)).toEqual([]);
  });

  it('keeps the complete objects of an answer cut off, and skips malformed ones', () => {
    const text =
      '[{"bbox_2d": [1, 2, 30, 40], "label": "ok"}, {"bbox_2d": [1, 2, 3], "label": "three"}, ' +
      '{"bbox_2d": ["1", 2, 3, 4]}, {"bbox_2d": [1, 2, 3, 4], label: bad}, {"bbox_2d": [5, 6, 7';
    expect(parseQwenJson(text)).toEqual([{ label: 'ok', x1: 1, y1: 2, x2: 30, y2: 40, space: 'resized' }]);
  });

  it('leaves out boxes past the resized image', () => {
    const raw = parseQwenJson('[{"bbox_2d": [0, 0, 561, 100], "label": "wide"}]');
    expect(mapBoxes(raw, { width: 1000, height: 700 }, { width: 560, height: 392 })).toEqual([]);
  });
});

describe('Gemma and PaliGemma boxes (<loc> bins, y first)', () => {
  it('reads y before x, and labels separated by semicolons', () => {
    const text = '<loc0256><loc0128><loc0768><loc0512> cat ; <loc0000><loc0600><loc1023><loc1023> sofa';
    expect(parseLocTokens(text)).toEqual([
      { label: 'cat', x1: 128, y1: 256, x2: 512, y2: 768, space: 'loc-bins' },
      { label: 'sofa', x1: 600, y1: 0, x2: 1023, y2: 1023, space: 'loc-bins' },
    ]);
  });

  it('maps bins of 1024 to the original pixels', () => {
    const raw = parseBoxes('<loc0256><loc0128><loc0768><loc0512> cat', 'gemma3');
    expect(mapBoxes(raw, { width: 2048, height: 1024 }, { width: 896, height: 896 })).toEqual([
      { label: 'cat', x: 256, y: 256, width: 768, height: 512 },
    ]);
  });

  it('skips incomplete runs of loc tokens', () => {
    expect(parseLocTokens('<loc0256><loc0128><loc0768> cat <loc12><loc0001><loc0002><loc0003>')).toEqual([]);
    expect(parseLocTokens('<loc0000><loc0000><loc1024><loc0500> past the last bin')).toEqual([]);
  });
});

describe('which notation applies', () => {
  it('depends on the answering model’s family', () => {
    const qwen = '<|box_start|>(1,2),(3,4)<|box_end|>';
    const gemma = '<loc0001><loc0002><loc0003><loc0004> x';
    expect(parseBoxes(qwen, 'qwen2_vl')).toHaveLength(1);
    expect(parseBoxes(gemma, 'qwen2_vl')).toHaveLength(0);
    expect(parseBoxes(gemma, 'gemma3')).toHaveLength(1);
    expect(parseBoxes(qwen, 'gemma3')).toHaveLength(0);
    expect(parseBoxes(qwen + gemma, 'smolvlm')).toHaveLength(0);
  });
});

describe('crop rectangles and colours', () => {
  it('rounds a box outwards and keeps it inside the image', () => {
    expect(cropRect({ x: 10.4, y: 0.5, width: 20.2, height: 9 }, { width: 100, height: 100 })).toEqual({
      x: 10,
      y: 0,
      width: 21,
      height: 10,
    });
    expect(cropRect({ x: 90, y: 95, width: 20, height: 20 }, { width: 100, height: 100 })).toEqual({
      x: 90,
      y: 95,
      width: 10,
      height: 5,
    });
  });

  it('gives each distinct label its own colour, the same label the same one', () => {
    const colours = labelColours([{ label: 'cat' }, { label: 'dog' }, { label: 'Cat' }]);
    expect(colours.size).toBe(2);
    expect(colours.get('cat')).not.toBe(colours.get('dog'));
  });
});

describe('an answer’s boxes on its question’s image', () => {
  const image = {
    sha256: 'a'.repeat(64),
    name: 'photo.png',
    mime: 'image/png',
    width: 1000,
    height: 700,
    detail: 'high' as const,
  };
  const question: Message = {
    id: 'q',
    threadId: 't',
    parentId: null,
    role: 'user',
    parts: [
      { type: 'image', image },
      { type: 'text', text: 'Where is the cat?' },
    ],
    status: 'complete',
    createdAt: 0,
    stats: null,
    error: null,
  };
  const stats = (extra: Partial<GenerationStats>): GenerationStats => ({
    ...{
      promptTokens: 1,
      cachedTokens: 0,
      generatedTokens: 1,
      imagesEncoded: 0,
      imagesFromCache: 1,
      preprocessMs: 0,
      visionEncodeMs: 0,
      prefillMs: 0,
      timeToFirstTokenMs: 0,
      decodeTokensPerSecond: 0,
      overheadMsPerToken: 0,
      providers: {
        vision: { provider: 'cpu', dtype: 'q8' },
        embed: { provider: 'cpu', dtype: 'q4' },
        decoder: { provider: 'cpu', dtype: 'q4' },
      },
      model: { id: 'm', name: 'Qwen2.5-VL-3B', family: 'qwen2_vl' },
    },
    ...extra,
  });
  const answer = (extra: Partial<GenerationStats>): Message => ({
    ...question,
    id: 'a',
    parentId: 'q',
    role: 'assistant',
    parts: [{ type: 'text', text: '```json\n[{"bbox_2d": [56, 28, 280, 196], "label": "cat"}]\n```' }],
    stats: stats(extra),
  });

  it('uses the resized size the answer recorded, without asking for a plan', () => {
    const plan = { resized: { width: 560, height: 392 } } as TilePlan;
    const recorded = [{ sha256: image.sha256, plan, cached: true, preprocessMs: 1, encodeMs: 2 }];
    const source = boxesSource(answer({ images: recorded }), question);
    expect(source?.needsResized).toBe(false);
    expect(source && placeBoxes(source, null).boxes).toEqual([
      { label: 'cat', x: 100, y: 50, width: 400, height: 300 },
    ]);
  });

  it('asks for the plan when the answer recorded none, and leaves the boxes unplaced without it', () => {
    const source = boxesSource(answer({}), question);
    expect(source?.needsResized).toBe(true);
    expect(source && placeBoxes(source, null)).toMatchObject({ boxes: [], unplaced: 1 });
  });

  it('draws nothing for answers that do not name their model, or still streaming', () => {
    expect(boxesSource(answer({ model: undefined }), question)).toBeNull();
    expect(boxesSource({ ...answer({}), status: 'streaming' }, question)).toBeNull();
  });
});
