import { describe, expect, it } from 'vitest';
import { RunLog, turnFigures, type ChildResult, type TurnFigures } from './inference-common.ts';
import { METRICS, advantage, rooflineTokensPerSecond, summarize } from './inference-lib.ts';

const turn = (overrides: Partial<TurnFigures>): TurnFigures => ({
  promptTokens: 900,
  generatedTokens: 128,
  cachedTokens: 0,
  prefillMs: 2000,
  ttftMs: 1000,
  encodeMs: 500,
  visionRuns: 1,
  decodeMs: 1270,
  decodeTokensPerSecond: 100,
  runMsPerToken: 8,
  outsideMsPerToken: 2,
  ...overrides,
});

const result = (system: ChildResult['system'], scale: number): ChildResult => ({
  system,
  provider: 'cpu',
  threads: 2,
  placement: {},
  loadMs: 1,
  preprocess: {
    hd: { coldMs: 1, warmMs: 100 * scale, frames: 13 },
    uhd: { coldMs: 1, warmMs: 200 * scale, frames: 13 },
  },
  turn1: turn({
    ttftMs: 1000 * scale,
    decodeTokensPerSecond: 50 / scale,
    // transformers.js has no prefill figure: NaN, which JSON carries from the child as null.
    ...(system === 'transformers' ? { prefillMs: null as unknown as number } : {}),
  }),
  turn2: turn({ ttftMs: 100 * scale }),
  peakRssBytes: 2 ** 30 * scale,
  answerPreview: '',
});

describe('inference suite arithmetic', () => {
  it('orients ratios so that > 1 means Tessera is better', () => {
    expect(advantage({ better: 'lower' }, 100, 300)).toBe(3);
    expect(advantage({ better: 'higher' }, 30, 20)).toBe(1.5);
  });

  it('roofline: bandwidth ÷ bytes per token', () => {
    expect(rooflineTokensPerSecond({ bandwidthGBps: 10, bytesPerToken: 100e6 })).toBe(100);
  });

  it('summarises medians per system, ratios, targets and the roofline share', () => {
    const runs = [
      result('tessera', 1),
      result('tessera', 3),
      result('tessera', 2),
      result('transformers', 4),
    ];
    const { medians, table } = summarize(runs, { bandwidthGBps: 10, bytesPerToken: 100e6 }, 0.6, 'T');
    expect(medians['ttft1Ms.tessera']).toBe(2000);
    expect(medians['ttft1Ms.transformers']).toBe(4000);
    expect(medians['ttft1Ms.ratio']).toBe(2);
    expect(medians['decodeTokPerS.ratio']).toBeCloseTo(25 / 12.5);
    expect(medians['rooflineShare.tessera']).toBeCloseTo(0.25);
    expect(table.rows).toHaveLength(METRICS.length + 1);
    const ttft2 = table.rows.find((r) => r[0]?.startsWith('TTFT turn 2'));
    expect(ttft2?.slice(3)).toEqual(['2.00×', '≥ 30×', 'NOT met']);
    // Absolute targets judge Tessera's own median: 900 tokens in 2 s is 450 tokens/s.
    const prefill = table.rows.find((r) => r[0]?.startsWith('prefill'));
    expect(prefill?.slice(1, 4)).toEqual(['450.0', 'n/a', 'n/a']);
    expect(prefill?.slice(4)).toEqual(['≥ 450.0 tok/s', 'met']);
    const decode = table.rows.find((r) => r[0]?.startsWith('decode, turn 1'));
    expect(decode?.slice(4)).toEqual(['≥ 50.0 tok/s', 'NOT met']);
    const memory = table.rows.find((r) => r[0]?.startsWith('peak resident'));
    expect(memory?.slice(1, 2)).toEqual(['2048']);
    expect(memory?.slice(4)).toEqual(['≥ 1×, ≤ 2603 MiB', 'met']);
    const ttft1 = table.rows.find((r) => r[0]?.startsWith('TTFT turn 1'));
    expect(ttft1?.[5]).toBe('met');
    expect(table.rows.at(-1)?.slice(1)).toEqual(['25.0 %', '12.5 %', '', 'Tessera ≥ 60 %', 'NOT met']);
  });

  it('turn figures: decode spans first token to return; runs inside it are session time', async () => {
    const log = new RunLog();
    const session = { run: async (ms: number) => new Promise((r) => setTimeout(r, ms)) };
    log.wrap('decoder_model_merged', session);
    const call = performance.now();
    await session.run(20);
    const first = performance.now();
    await session.run(30);
    await session.run(30);
    const end = performance.now();
    const figures = turnFigures(
      log,
      { call, first, end },
      { promptTokens: 5, generatedTokens: 3, cachedTokens: 0 },
    );
    expect(figures.ttftMs).toBeCloseTo(first - call);
    expect(figures.encodeMs).toBe(0);
    expect(figures.runMsPerToken).toBeGreaterThanOrEqual(29);
    expect(figures.runMsPerToken + figures.outsideMsPerToken).toBeCloseTo((end - first) / 2);
    expect(figures.decodeTokensPerSecond).toBeCloseTo(2000 / (end - first));
  });
});
