/** The prompt expansion, written out by hand from Python's Lfm2VlProcessor for small plans. */
import { describe, expect, it } from 'vitest';
import { readLfm2VlConfig } from './config.ts';
import { planLfm2Vl } from './plan.ts';
import { expandImagePrompt } from './prompt.ts';
import { lfm2Vl450m } from './testing.ts';

const cfg = readLfm2VlConfig(lfm2Vl450m());
const count = (text: string, token: string) => text.split(token).length - 1;

describe('LFM2-VL prompt expansion', () => {
  it('one view: <|image_start|>, the view tokens, <|image_end|>', () => {
    const plan = planLfm2Vl(cfg, { width: 224, height: 224 }, 'high');
    expect(expandImagePrompt(cfg, plan)).toBe(`<|image_start|>${'<image>'.repeat(64)}<|image_end|>`);
  });

  it('tiles: a 1-based row/col marker before each tile, then the thumbnail marker and its tokens', () => {
    const plan = planLfm2Vl(cfg, { width: 1280, height: 640 }, 'high');
    const tile = '<image>'.repeat(256);
    expect(expandImagePrompt(cfg, plan)).toBe(
      `<|image_start|><|img_row_1_col_1|>${tile}<|img_row_1_col_2|>${tile}` +
        `<|img_thumbnail|>${'<image>'.repeat(242)}<|image_end|>`,
    );
  });

  it('a 2×2 grid runs row by row; the token count matches the plan', () => {
    const plan = planLfm2Vl(cfg, { width: 800, height: 800 }, 'high');
    const text = expandImagePrompt(cfg, plan);
    const markers = [
      '<|img_row_1_col_1|>',
      '<|img_row_1_col_2|>',
      '<|img_row_2_col_1|>',
      '<|img_row_2_col_2|>',
    ];
    const positions = markers.map((m) => text.indexOf(m));
    expect(positions.every((p, i) => p > (positions[i - 1] ?? -1))).toBe(true);
    expect(count(text, '<image>')).toBe(plan.imageTokens);
    expect(count(text, '<|')).toBe(plan.promptTokens - plan.imageTokens);
  });

  it('custom marker strings from processor_config.json', () => {
    const custom = readLfm2VlConfig(
      lfm2Vl450m({
        processor: { image_token: '<img>', image_start_token: '<s_img>', image_end_token: '<e_img>' },
      }),
    );
    const plan = planLfm2Vl(custom, { width: 224, height: 224 }, 'low');
    expect(expandImagePrompt(custom, plan)).toBe(`<s_img>${'<img>'.repeat(64)}<e_img>`);
  });
});
