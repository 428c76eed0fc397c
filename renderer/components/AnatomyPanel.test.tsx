// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationStats } from '../../app/chat.ts';
import type { Tile, TilePlan } from '../../app/tile-plan.ts';
import { mergeOf, promptMakeup } from '../lib/anatomy.ts';
import { loadAll } from '../state/store.ts';
import { fakeStats } from '../testing/fake-api.ts';
import { must } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { AnatomyPanel } from './AnatomyPanel.tsx';
import { MessageList } from './MessageList.tsx';

afterEach(cleanup);

const view = (x: number, width: number, tokens = 64): Tile => ({
  x,
  y: 0,
  width,
  height: 512,
  inputWidth: 512,
  inputHeight: 512,
  tokens,
});

// A 1024×512 screenshot cut into two 512-pixel tiles plus the global view, 64 tokens each (SmolVLM).
const plan: TilePlan = {
  family: 'smolvlm',
  detail: 'high',
  original: { width: 1024, height: 512 },
  resized: { width: 1024, height: 512 },
  grid: { rows: 1, cols: 2, unit: 'tiles' },
  tiles: [view(0, 512), view(512, 512)],
  global: view(0, 1024),
  imageTokens: 192,
  promptTokens: 200,
};

const full: GenerationStats = {
  ...fakeStats(40),
  promptTokens: 400,
  cachedTokens: 150,
  model: { id: 'm', name: 'SmolVLM-256M-Instruct', family: 'smolvlm' },
  images: [{ sha256: 'a'.repeat(64), plan, cached: true, preprocessMs: 12, encodeMs: 345 }],
  graphs: {
    vision: 'vision_encoder_q8.onnx',
    embed: 'embed_tokens.onnx',
    decoder: 'decoder_model_merged_q4.onnx',
  },
  patchSize: 16,
  decodeRates: { window: 16, tokensPerSecond: [30, 42, 40] },
};

describe('AnatomyPanel', () => {
  it('draws the three parts of the model for an answer with every stat', () => {
    render(<AnatomyPanel stats={full} />);
    const vision = screen.getByTestId('anatomy-vision');
    expect(within(vision).getByTestId('anatomy-vision-graph').textContent).toBe('vision_encoder_q8.onnx');
    expect(vision.textContent).toContain('CUDA fp16');
    expect(vision.textContent).toContain('Image 1: 3 views, 192 tokens, from the cache (encoded in 345 ms');
    expect(within(vision).getAllByTestId('anatomy-view')).toHaveLength(3);

    const connector = screen.getByTestId('anatomy-connector');
    // 512 px views of 64 tokens: a token covers 64×64 px, 4×4 patches of 16 px.
    expect(within(connector).getByTestId('anatomy-merge').textContent).toBe('4×4 patches of 16 px → 1 token');
    expect(within(connector).getByTestId('anatomy-per-view').textContent).toBe('64 tokens per view');
    expect(connector.textContent).toContain('SmolVLM uses pixel shuffle');

    const language = screen.getByTestId('anatomy-language');
    expect(within(language).getByTestId('anatomy-prompt-bar').getAttribute('aria-label')).toBe(
      '400 prompt tokens: 150 from the kept cache, 250 prefilled; then 40 generated',
    );
    expect(within(language).getByTestId('anatomy-makeup').textContent).toBe(
      'Of the prompt, 200 tokens are images and 200 text.',
    );
    expect(within(language).getAllByTestId('anatomy-chart-bar')).toHaveLength(3);
    expect(within(language).getByTestId('anatomy-chart').getAttribute('aria-label')).toBe(
      'Decode speed per 16 tokens: from 30 to 40 tokens/s, between 30 and 42',
    );
    expect(screen.queryByTestId('anatomy-missing')).toBeNull();
  });

  it('shows a view’s share of the image and of the prompt when it is clicked', () => {
    render(<AnatomyPanel stats={full} />);
    expect(screen.queryByTestId('anatomy-share')).toBeNull();
    const tile = screen.getByRole('button', { name: /tile row 1 column 2/ });
    fireEvent.click(tile);
    expect(tile.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('anatomy-share').textContent).toBe(
      '512×512 px of the image, as a 512×512 input: 64 tokens, 33.3% of the image’s 192 and 16% of the 400-token prompt.',
    );
    fireEvent.click(screen.getByRole('button', { name: /whole image/ }));
    expect(screen.getByTestId('anatomy-share').textContent).toMatch(/^The whole image, downscaled/);
  });

  it('says what an older answer did not record, and shows what it has', () => {
    render(<AnatomyPanel stats={fakeStats(12)} />);
    const missing = screen.getAllByTestId('anatomy-missing').map((p) => p.textContent);
    expect(missing).toEqual([
      'Which views each image became was not recorded for this answer (it is older than this panel). Encoding for it took 412 ms.',
      'Tokens per view were not recorded for this answer.',
      'How many prompt tokens were images was not recorded for this answer.',
      'Decode speed over the answer was not recorded; on average 48.3 tokens/s.',
    ]);
    expect(screen.getByTestId('anatomy-vision-graph').textContent).toBe('graph file not recorded');
    expect(screen.getByTestId('anatomy-prompt-bar').getAttribute('aria-label')).toContain(
      '1,234 prompt tokens',
    );
  });

  it('draws only the language model for a remote answer', () => {
    const remote: GenerationStats = {
      ...fakeStats(5),
      model: {
        id: 'r',
        name: 'gpt-4o-mini',
        family: 'remote',
        server: { name: 'OpenAI', baseUrl: 'https://x' },
      },
    };
    render(<AnatomyPanel stats={remote} />);
    expect(screen.getByTestId('anatomy-remote').textContent).toContain('Written by OpenAI');
    expect(screen.queryByTestId('anatomy-vision')).toBeNull();
    expect(screen.getByTestId('anatomy-language')).toBeTruthy();
  });
});

describe('the Anatomy button beside an answer’s stats', () => {
  it('opens and closes the answer’s panel', async () => {
    const view = renderWithServices(<MessageList />);
    await act(async () => {
      await loadAll(view.store);
      view.store.getState().setDraft('What is this?');
      await view.store.getState().send();
    });
    const id = view.store.getState().current?.thread.currentLeafId ?? '';
    const done = { ...must(view.fake.messages.get(id)), status: 'complete' as const, stats: full };
    view.fake.messages.set(id, done);
    act(() => view.fake.emit('answer.done', { message: done }));

    const toggle = screen.getByRole('button', { name: 'Anatomy' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByTestId('anatomy')).toBeNull();
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const panel = screen.getByRole('region', { name: 'Anatomy of this answer' });
    expect(panel.id).toBe(toggle.getAttribute('aria-controls'));
    fireEvent.click(toggle);
    expect(screen.queryByTestId('anatomy')).toBeNull();
  });
});

describe('anatomy numbers', () => {
  it('finds the merge only where the patch size divides a token’s square evenly', () => {
    // Qwen2-VL: 28×28 px per token, patches of 14 → 2×2.
    expect(mergeOf({ inputWidth: 448, inputHeight: 280, tokens: 160 }, 14)).toEqual({
      pixelsPerToken: 28,
      patchesPerSide: 2,
    });
    // A token of 28 px over patches of 16 px is no whole merge: only the pixels are told.
    expect(mergeOf({ inputWidth: 448, inputHeight: 280, tokens: 160 }, 16).patchesPerSide).toBeNull();
    expect(mergeOf({ inputWidth: 896, inputHeight: 896, tokens: 256 }).patchesPerSide).toBeNull();
  });

  it('splits the prompt into cached and prefilled, image and text', () => {
    expect(promptMakeup(full)).toEqual({ cached: 150, prefilled: 250, image: 200, text: 200 });
    expect(promptMakeup(fakeStats(1))).toEqual({ cached: 0, prefilled: 1234, image: null, text: null });
  });
});
