/**
 * SmolVLM2's video prompt counted by the plan (templateTextTokens: one token per pre-tokenizer piece) against the
 * real SmolLM2 tokenizer that SmolVLM-256M-Instruct ships (vendored in models/testing/fixtures; SmolVLM2's
 * Video-Instruct models use the same 49,280-token vocabulary and special tokens). The generated test models'
 * small vocabularies split words further, so only the real one can pin the plan's figure exactly.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { VideoSource } from '../../../app/video-plan.ts';
import { loadTextModel } from '../../text/tokenizer.ts';
import { type SmolVlmVideoSettings, readSmolVlmConfig } from './config.ts';
import { smolvlm256m } from './testing.ts';
import { expandVideoPrompt, planSmolVlmVideo } from './video-plan.ts';

const REAL_SMOLVLM = fileURLToPath(new URL('../../testing/fixtures/smolvlm-256m-instruct', import.meta.url));

describe('SmolVLM2 video prompt tokens (real SmolLM2 tokenizer)', () => {
  const text = loadTextModel(REAL_SMOLVLM);
  const cfg = readSmolVlmConfig(smolvlm256m());
  const settings: SmolVlmVideoSettings = { fps: 1, maxFrames: 64, videoLongestEdge: 512 };
  const clips: Array<[string, VideoSource]> = [
    ['3 s at 10 fps', { size: { width: 320, height: 240 }, totalFrames: 30, frameRate: 10 }],
    ['10 s at 30 fps', { size: { width: 1280, height: 720 }, totalFrames: 300, frameRate: 30 }],
    [
      '95 s at 24 fps (minutes in the timestamps)',
      { size: { width: 1920, height: 1080 }, totalFrames: 2280, frameRate: 24 },
    ],
  ];
  const question = 'What happens in this clip?';

  for (const [name, source] of clips) {
    it(`${name}: the plan's promptTokens is what the tokenizer makes of the expanded prompt`, () => {
      const plan = planSmolVlmVideo(cfg, settings, source, {});
      const prompt = expandVideoPrompt(plan, cfg.imageSeqLen);
      const withVideo = text.encodePrompt(`${prompt}${question}`).length;
      const alone = text.encodePrompt(question).length;
      expect(withVideo - alone).toBe(plan.promptTokens);
    });
  }
});
