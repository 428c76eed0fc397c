/**
 * What the inference suite hands a child process and what the child reports, plus the session-run log both
 * systems are measured with: every `session.run` of every graph is wrapped the same way, so "time inside
 * session.run" and "vision encode time" mean the same thing for Tessera and transformers.js.
 */
import { readFileSync } from 'node:fs';

export type System = 'tessera' | 'transformers';
export type BenchProvider = 'cpu' | 'webgpu';

export interface InferenceJob {
  system: System;
  modelDir: string;
  provider: BenchProvider;
  /** intraOpNumThreads for every session of both systems. */
  threads: number;
  /** Greedy, end-of-sequence ignored: exactly this many tokens per turn. */
  newTokens: number;
  /** PNG screenshots: `hd` (1920×1080) is the one asked about; `uhd` (3840×2160) is only preprocessed. */
  images: { hd: string; uhd: string };
  questions: [string, string];
}

/** Tessera only: decode speed after `depths` cached positions (the decode-vs-context line). */
export interface ContextJob {
  system: 'tessera-context';
  modelDir: string;
  provider: BenchProvider;
  threads: number;
  depths: number[];
  /** Decode steps measured at each depth (their median is reported). */
  steps: number;
  /** The decoder's cache rewrite (LoadOptions.cache; default append). */
  cache?: 'append' | 'present';
}

export interface ContextResult {
  /** Per depth: median ms per decode step, and the prefill that built the cache. */
  depths: Array<{
    cached: number;
    msPerToken: number;
    prefillTokensPerSecond: number;
    /** Mean CPU time of the process (all threads) per decode step: steadier than wall time on a busy machine. */
    cpuMsPerToken?: number;
  }>;
  loadMs: number;
  /** How the decoder's KV cache was kept (`providers.decoder.cache`: appended in place, or why it is copied). */
  decoderCache?: string;
}

/** Tessera only: a process that loads the model and stops (after the page cache was dropped: a cold load). */
export interface LoadJob {
  system: 'tessera-load';
  modelDir: string;
  provider: BenchProvider;
  threads: number;
}

export interface PreprocessFigures {
  /** First call in the process (code paths not yet optimised by V8, libraries initialising). */
  coldMs: number;
  /** Second call on the same bytes: the figure the table reports. */
  warmMs: number;
  /** Frames of the pixel tensor (tiles + global view), to show both systems cut the image alike. */
  frames: number;
}

export interface TurnFigures {
  promptTokens: number;
  generatedTokens: number;
  /** Prompt tokens served from a kept KV cache (Tessera's follow-up turn); 0 for transformers.js. */
  cachedTokens: number;
  /** Prefill of the tokens not served from a cache (Tessera's own stat; NaN where a system has none). */
  prefillMs: number;
  /** Request (PNG bytes and messages in hand) to the first generated token id. */
  ttftMs: number;
  /** Sum of the vision encoder's session.run calls before the first token (0 when the features were cached). */
  encodeMs: number;
  visionRuns: number;
  /** First token to the call's return: `generatedTokens − 1` decoder steps. */
  decodeMs: number;
  decodeTokensPerSecond: number;
  /** Per decode step: time inside session.run (embed + decoder) and everything else. */
  runMsPerToken: number;
  outsideMsPerToken: number;
}

export interface ChildResult {
  system: System;
  provider: BenchProvider;
  threads: number;
  /** Where each graph ran, as the system reports it. */
  placement: Record<string, string>;
  loadMs: number;
  preprocess: { hd: PreprocessFigures; uhd: PreprocessFigures };
  turn1: TurnFigures;
  turn2: TurnFigures;
  /** process.resourceUsage().maxRSS: the process's peak resident memory, model load included. */
  peakRssBytes: number;
  /** VmHWM from /proc (Linux), the same peak read another way. */
  vmHwmBytes?: number;
  /** The start of the first answer, to show the systems generated something. */
  answerPreview: string;
  /** The system's own figures, for reference (Tessera's GenerationStats). */
  own?: Record<string, unknown>;
}

interface RunRecord {
  graph: string;
  start: number;
  end: number;
}

type Runnable = { run: (...args: never[]) => Promise<unknown> };

/** Wraps sessions' `run` and keeps the start and end of every call. */
export class RunLog {
  private readonly records: RunRecord[] = [];

  wrap(graph: string, session: Runnable): void {
    const original = session.run.bind(session);
    session.run = (async (...args: never[]) => {
      const start = performance.now();
      try {
        return await original(...args);
      } finally {
        this.records.push({ graph, start, end: performance.now() });
      }
    }) as Runnable['run'];
  }

  /** Calls that started at or after `from` and ended by `to`, optionally of one graph. */
  within(from: number, to: number, graph?: string): { count: number; ms: number } {
    const hits = this.records.filter(
      (r) => r.start >= from && r.end <= to && (graph === undefined || r.graph === graph),
    );
    return { count: hits.length, ms: hits.reduce((sum, r) => sum + (r.end - r.start), 0) };
  }
}

/** One turn's figures from the call time, first-token time and return time, and the run log. */
export function turnFigures(
  log: RunLog,
  times: { call: number; first: number; end: number },
  counts: { promptTokens: number; generatedTokens: number; cachedTokens: number; prefillMs?: number },
): TurnFigures {
  const steps = Math.max(0, counts.generatedTokens - 1);
  const decodeMs = times.end - times.first;
  const inside = log.within(times.first, times.end).ms;
  const vision = log.within(times.call, times.first, 'vision_encoder');
  const { prefillMs, ...rest } = counts;
  return {
    ...rest,
    prefillMs: prefillMs ?? NaN,
    ttftMs: times.first - times.call,
    encodeMs: vision.ms,
    visionRuns: vision.count,
    decodeMs,
    decodeTokensPerSecond: steps > 0 ? (steps * 1000) / decodeMs : 0,
    runMsPerToken: steps > 0 ? inside / steps : 0,
    outsideMsPerToken: steps > 0 ? (decodeMs - inside) / steps : 0,
  };
}

/** Runs `task` twice: the first call is the cold figure, the second the warm one. */
export async function coldAndWarm(task: () => Promise<number>): Promise<PreprocessFigures> {
  let frames = 0;
  const time = async () => {
    const began = performance.now();
    frames = await task();
    return performance.now() - began;
  };
  const coldMs = await time();
  const warmMs = await time();
  return { coldMs, warmMs, frames };
}

export function peakMemory(): { peakRssBytes: number; vmHwmBytes?: number } {
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? { peakRssBytes } : { peakRssBytes, vmHwmBytes: Number(kb) * 1024 };
  } catch {
    return { peakRssBytes };
  }
}
