import { describe, expect, it } from 'vitest';
import { cpuCeilings } from './cpu-ceilings.ts';

// The medians of the 2026-12-06 11:14 run (bench/README.md, downloads).
const run = {
  cores: 2,
  curlMbPerS: 1119.3,
  curlCpu: 0.49,
  tesseraCpu: 2.37,
  hubForCurl: 1.03,
  hubForTessera: 1.1,
  sha256: 0.87,
  threads: { main: 0.9, busiestOther: 0.74, busiest: 0.9, others: 1.42 },
};

describe('cpuCeilings', () => {
  it('turns CPU s per GB into the fastest each client could go on these cores', () => {
    const { medians } = cpuCeilings(run);
    expect(medians.curlCpuCeilingMbPerS).toBeCloseTo(2000 / 1.52, 6);
    expect(medians.tesseraCpuCeilingMbPerS).toBeCloseTo(2000 / 3.47, 6);
    expect(medians.cpuCeilingRatio).toBeCloseTo(1.52 / 3.47, 6);
    expect(medians.tesseraThreadCeilingMbPerS).toBeCloseTo(1000 / 0.9, 6);
  });

  it('gives the CPU Tessera could spend for 0.9 of curl, and says when sha256 alone exceeds it', () => {
    const { medians, notes } = cpuCeilings(run);
    expect(medians.tesseraCpuBudgetSPerGBFor09).toBeCloseTo(2 / (0.9 * 1.1193) - 1.1, 6);
    expect(notes.join('\n')).toMatch(/which leaves 0\.\d\d for everything else/);
    const starved = cpuCeilings({ ...run, curlMbPerS: 2000 });
    expect(starved.medians.tesseraCpuBudgetSPerGBFor09).toBeLessThan(run.sha256);
    expect(starved.notes.join('\n')).toMatch(/more than that budget/);
  });

  it('leaves out what it cannot know: curl CPU without bash, threads without /proc', () => {
    const { medians, notes } = cpuCeilings({ ...run, curlCpu: undefined, threads: undefined });
    expect(medians.curlCpuCeilingMbPerS).toBeUndefined();
    expect(medians.tesseraMainThreadCpuSPerGB).toBeUndefined();
    expect(notes[0]).toMatch(/^CPU ceiling on 2 cores/);
  });
});
