// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VideoPlanResult } from '../../app/ipc/contract.ts';
import { ServicesProvider } from '../state/context.tsx';
import { loadAll } from '../state/store.ts';
import { fakeModel } from '../testing/fake/data.ts';
import { fakeSmolVideoPlan, fakeVideoPlan } from '../testing/fake/videos.ts';
import { createHarness, must, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { Composer } from './Composer.tsx';
import { FrameView } from './FrameView.tsx';
import { VIDEO_PROBE } from '../lib/screen-record.ts';
import { MessageVideos } from './MessageVideos.tsx';
import { bindDrafts } from '../state/drafts.ts';

// jsdom cannot decode video: the browser's part (opening, seeking, drawing) is checked end to end
// (e2e/video.e2e.test.ts) and its limits in lib/video-frames.test.ts; here, what the card does with it.
const media = vi.hoisted(() => ({
  open: vi.fn(async (file: File) => {
    if (file.name.startsWith('broken'))
      throw new Error(`${file.name} cannot be played here: its format is not one this browser decodes.`);
    return { element: {}, size: { width: 320, height: 240 }, durationSeconds: 4, close: () => undefined };
  }),
  decode: vi.fn(async (_video: unknown, result: VideoPlanResult, start: number) =>
    result.plan.frames.map((frame, i) => ({
      seconds: start + frame.seconds,
      // A PNG header is all the fake store reads (its size).
      png: new Blob([pngHeader(result.plan.resized.width, result.plan.resized.height), new Uint8Array([i])], {
        type: 'image/png',
      }),
    })),
  ),
}));
vi.mock('../lib/video-frames.ts', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  openVideo: media.open,
  decodeFrames: media.decode,
}));

function pngHeader(width: number, height: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(24);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(bytes.buffer).setUint32(16, width);
  new DataView(bytes.buffer).setUint32(20, height);
  return bytes;
}

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const QWEN = fakeModel({ id: 'qwen2-vl-2b', name: 'Qwen2-VL 2B', family: 'qwen2_vl' });

async function setup(models = [QWEN]) {
  const view = renderWithServices(<Composer />, { models });
  await act(() => loadAll(view.store));
  return view;
}

async function drop(file: File) {
  await act(async () => {
    fireEvent.drop(screen.getByTestId('composer'), {
      dataTransfer: { files: [file], items: [], types: ['Files'] },
    });
    await settle();
  });
}

const clip = (name = 'bug.webm') => new File([new Uint8Array(100)], name, { type: 'video/webm' });

describe('VideoCard', () => {
  it('shows a dropped clip as its sampled frames, length and token cost, and sends it as a video part', async () => {
    const { fake, store } = await setup();
    await drop(clip());
    const card = await screen.findByTestId('video-card');
    await until(() => card.dataset.status === 'ready', 'the card ready');
    const expected = fakeVideoPlan(320, 240, 4).plan;
    expect(
      within(card)
        .getAllByRole('img')
        .map((img) => img.getAttribute('alt')),
    ).toEqual(expected.frames.map((f, i) => `Frame ${i + 1} at ${f.seconds.toFixed(2)} s`));
    expect(must(screen.getByTestId('video-facts').textContent)).toMatch(
      /^4\.0 s of 4\.0 s · 320×240 px · 8 frames/,
    );
    expect(screen.getByTestId('video-tokens').textContent).toBe(`${expected.promptTokens} tokens`);
    // Frames go in pairs here: the limit steps by a pair.
    expect(screen.getByLabelText('Most frames').getAttribute('step')).toBe('2');
    // The frames were stored as images: the plan's size, one each.
    expect(fake.calls.filter((c) => c.name === 'images.attach')).toHaveLength(8);
    expect(store.getState().attachments).toEqual([]);

    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'What flickers?' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('send-button'));
      await settle();
    });
    const send = must(fake.calls.find((c) => c.name === 'chat.send'));
    const content = (send.input as { content: Array<{ type: string; video?: unknown }> }).content;
    expect(content[0]).toEqual({
      type: 'video',
      video: expect.objectContaining({
        name: 'bug.webm',
        start: 0,
        durationSeconds: 4,
        frames: expected.frames.map((f) => ({ sha256: expect.any(String), seconds: f.seconds })),
      }),
    });
    expect(content[1]).toEqual({ type: 'text', text: 'What flickers?' });
    expect(screen.queryByTestId('video-card')).toBeNull();
  });

  it('plans again when the rate, the frame limit or the trim changes', async () => {
    const { fake } = await setup();
    await drop(clip());
    const card = await screen.findByTestId('video-card');
    await until(() => card.dataset.status === 'ready', 'the card ready');

    await act(async () => {
      fireEvent.change(screen.getByLabelText('Frames a second'), { target: { value: '1' } });
      await settle();
    });
    await until(() => card.dataset.status === 'ready', 'ready again');
    expect(within(card).getAllByRole('img')).toHaveLength(4);

    const start = screen.getByLabelText('Start (s)');
    fireEvent.change(start, { target: { value: '1' } });
    await act(async () => {
      fireEvent.blur(start);
      await settle();
    });
    await until(() => card.dataset.status === 'ready', 'ready after trimming');
    // The record button's question whether the model takes video is not the card's.
    const plans = fake.calls
      .filter((c) => c.name === 'videos.plan')
      .map((c) => c.input)
      .filter((input) => JSON.stringify(input) !== JSON.stringify(VIDEO_PROBE));
    expect(plans).toEqual([
      { width: 320, height: 240, durationSeconds: 4 },
      { width: 320, height: 240, durationSeconds: 4, fps: 1 },
      { width: 320, height: 240, durationSeconds: 3, fps: 1 },
    ]);
    // The trimmed frames are read from 1 s on.
    expect(media.decode.mock.lastCall?.[2]).toBe(1);
    expect(screen.getByTestId('video-facts').textContent).toMatch(/^3\.0 s of 4\.0 s/);

    // Enter in a field applies it; it does not send the question with the old plan.
    const max = screen.getByLabelText('Most frames');
    max.focus();
    fireEvent.change(max, { target: { value: '2' } });
    await act(async () => {
      fireEvent.keyDown(max, { key: 'Enter' });
      await settle();
    });
    await until(() => card.dataset.status === 'ready', 'ready after the limit');
    expect(fake.calls.filter((c) => c.name === 'videos.plan').at(-1)?.input).toMatchObject({ maxFrames: 2 });
    expect(fake.calls.some((c) => c.name === 'chat.send')).toBe(false);
  });

  it('says why a clip cannot be sent: a model without video, a file the browser cannot play', async () => {
    await setup([fakeModel({ id: 'smol', name: 'SmolVLM', family: 'smolvlm' })]);
    await drop(clip());
    expect((await screen.findByTestId('video-error')).textContent).toMatch(
      /SmolVLM \(smolvlm\) does not take video/,
    );
    expect(screen.getByTestId('send-button')).toHaveProperty('disabled', true);
    cleanup();

    await setup();
    await drop(clip('broken.webm'));
    expect((await screen.findByTestId('video-error')).textContent).toMatch(
      /broken\.webm cannot be played here/,
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Remove broken.webm' }));
      await settle();
    });
    expect(screen.queryByTestId('video-card')).toBeNull();
  });

  it('opens the frame view from the card, and closes it with Escape', async () => {
    await setup();
    await drop(clip());
    const card = await screen.findByTestId('video-card');
    await until(() => card.dataset.status === 'ready', 'the card ready');
    fireEvent.click(screen.getByRole('button', { name: 'Show the frames of bug.webm' }));
    const dialog = screen.getByRole('dialog', { name: 'Frames of bug.webm' });
    expect(within(dialog).getAllByTestId('frame-view-patch')).toHaveLength(4);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('FrameView', () => {
  it('pairs the frames into temporal patches, with the tokens of each', () => {
    const { plan } = fakeVideoPlan(640, 360, 2);
    const frames = plan.frames.map((f, i) => ({ seconds: f.seconds, url: i === 3 ? null : `blob:${i}` }));
    renderWithServices(<FrameView name="clip.mp4" plan={plan} frames={frames} />);
    const patches = screen.getAllByTestId('frame-view-patch');
    expect(patches.map((p) => p.querySelector('strong')?.textContent)).toEqual([
      `Patch 1 · ${plan.tokensPerTemporalPatch} tokens`,
      `Patch 2 · ${plan.tokensPerTemporalPatch} tokens`,
    ]);
    expect(
      within(must(patches[0])).getByText(`0.00 s + ${plan.frames[1]?.seconds.toFixed(2)} s`),
    ).toBeTruthy();
    expect(within(must(patches[1])).getByText('Frame 4 not loaded')).toBeTruthy();
    expect(screen.getByTestId('frame-view-summary').textContent).toMatch(
      new RegExp(
        `^4 frames sampled from 2\\.0 s .* ${plan.videoTokens} video tokens, ${plan.promptTokens} in the prompt\\.$`,
      ),
    );
  });
});

describe('FrameView for a model that reads each frame alone (SmolVLM2)', () => {
  it('shows single frames with their timestamps and tokens, and never speaks of pairs', () => {
    const { plan } = fakeSmolVideoPlan(640, 360, 3);
    const frames = plan.frames.map((f, i) => ({ seconds: f.seconds, url: `blob:${i}` }));
    renderWithServices(<FrameView name="clip.webm" plan={plan} frames={frames} />);
    const shown = screen.getAllByTestId('frame-view-frame');
    expect(shown.map((p) => p.querySelector('strong')?.textContent)).toEqual([
      'Frame 1 · 77 tokens',
      'Frame 2 · 77 tokens',
      'Frame 3 · 77 tokens',
    ]);
    expect(within(must(shown[1])).getByText('Frame from 00:01:')).toBeTruthy();
    expect(screen.getByRole('img', { name: /clip\.webm, frame 3 at 2\.97 s/ })).toBeTruthy();
    expect(screen.queryAllByTestId('frame-view-patch')).toHaveLength(0);
    const summary = screen.getByTestId('frame-view-summary').textContent ?? '';
    expect(summary).toMatch(/^3 frames sampled from 3\.0 s .* one view of 512×512 px/);
    expect(summary).toContain(`${plan.promptTokens} in the prompt with the timestamps and the intro`);
    expect(summary).not.toMatch(/pair|patch/i);
  });

  it('shows the card of a SmolVLM2 model with the estimate that counts the timestamps', async () => {
    await setup([fakeModel({ id: 'smolvlm2', name: 'SmolVLM2 256M', family: 'smolvlm' })]);
    await drop(clip());
    const card = await screen.findByTestId('video-card');
    await until(() => card.dataset.status === 'ready', 'the card ready');
    // 4 s at 1 fps: 4 frames of 77 tokens, the intro's 29 and the closing 2.
    expect(within(card).getByTestId('video-tokens').textContent).toBe(`${29 + 4 * 77 + 2} tokens`);
    // Frames are not paired: the limit steps by one frame.
    const limit = within(card).getByLabelText('Most frames');
    expect([limit.getAttribute('min'), limit.getAttribute('step')]).toEqual(['1', '1']);
    fireEvent.click(screen.getByRole('button', { name: 'Show the frames of bug.webm' }));
    const dialog = screen.getByRole('dialog', { name: 'Frames of bug.webm' });
    expect(within(dialog).getAllByTestId('frame-view-frame')).toHaveLength(4);
  });
});

describe('MessageVideos', () => {
  async function sentVideo(models = [QWEN]) {
    const view = createHarness({ models });
    await act(() => loadAll(view.store));
    const { source, sampling, plan } = fakeVideoPlan(320, 240, 3, { fps: 1 });
    const frames = [];
    for (const [i, frame] of plan.frames.entries()) {
      const data = pngHeader(plan.resized.width, plan.resized.height);
      data[23] = i; // distinct bytes, distinct hashes
      const stored = await view.api['images.attach']({ name: `f${i}.png`, data, videoFrame: true });
      if (!stored.ok) throw new Error('not stored');
      frames.push({ sha256: stored.value.image.sha256, seconds: 1 + frame.seconds });
    }
    const video = { name: 'late.webm', source, sampling, start: 1, durationSeconds: 3, frames };
    const services = { api: view.api, store: view.store, images: view.images, connection: null };
    render(
      <ServicesProvider services={services}>
        <MessageVideos
          parts={[
            { type: 'video', video },
            { type: 'text', text: 'Why?' },
          ]}
        />
      </ServicesProvider>,
    );
    return { view, plan };
  }

  it('shows a sent video as its frames and length, and its frame view made again from its facts', async () => {
    const { view, plan } = await sentVideo();
    const item = screen.getByTestId('message-video');
    expect(item.textContent).toContain('Video late.webm · 3.0 s from 1.0 s · 4 frames');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Show the frames of late.webm' }));
      await settle();
    });
    const dialog = screen.getByRole('dialog', { name: 'Frames of late.webm' });
    await until(() => within(dialog).queryAllByTestId('frame-view-patch').length === 2, 'two patches');
    expect(view.fake.calls.filter((c) => c.name === 'videos.plan').at(-1)?.input).toEqual({
      width: 320,
      height: 240,
      durationSeconds: 3,
      fps: 1,
    });
    expect(within(dialog).getAllByTestId('frame-view-patch')[0]?.textContent).toContain(
      `Patch 1 · ${plan.tokensPerTemporalPatch} tokens`,
    );
  });

  it('says so in the frame view when the active model does not take video', async () => {
    await sentVideo([fakeModel({ id: 'smol', name: 'SmolVLM', family: 'smolvlm' })]);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Show the frames of late.webm' }));
      await settle();
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/does not take video/);
  });

  it('keeps the card in the thread’s draft: switching threads and back brings its frames, trim and cost back', async () => {
    const view = await setup();
    const { store, fake, api } = view;
    for (const title of ['Bug', 'Other']) await act(() => api['threads.create']({ title }));
    await act(() => loadAll(store));
    const drafts = bindDrafts(api, store, 0);
    const [first, second] = store.getState().threadList.map((t) => t.id);
    await act(() => store.getState().selectThread(must(first)));

    await drop(clip('kept.webm'));
    const card = await screen.findByTestId('video-card');
    await until(() => card.dataset.status === 'ready', 'the card ready');
    const start = screen.getByLabelText('Start (s)');
    fireEvent.change(start, { target: { value: '1' } });
    await act(async () => {
      fireEvent.blur(start);
      await settle();
    });
    await until(() => screen.getByTestId('video-card').dataset.status === 'ready', 'ready after trimming');
    const frames = () =>
      within(screen.getByTestId('video-card'))
        .getAllByRole('img')
        .map((img) => img.getAttribute('alt'));
    const shown = frames();
    const tokens = screen.getByTestId('video-tokens').textContent;
    await until(() => (fake.drafts.get(must(first))?.videos.length ?? 0) === 1, 'the draft saved');

    await act(async () => {
      await store.getState().selectThread(must(second));
      await settle();
    });
    expect(screen.queryByTestId('video-card')).toBeNull();
    const plansBefore = fake.calls.filter((c) => c.name === 'videos.plan').length;
    await act(async () => {
      await store.getState().selectThread(must(first));
      await settle();
    });
    const restored = await screen.findByTestId('video-card');
    await until(() => restored.dataset.status === 'ready', 'the restored card ready');
    expect(frames()).toEqual(shown);
    expect(screen.getByTestId('video-facts').textContent).toMatch(
      /^3\.0 s of 4\.0 s · 320×240 px · 6 frames/,
    );
    expect(screen.getByTestId('video-tokens').textContent).toBe(tokens);
    // Planned again for the active model; the file is not read again (there is none), so nothing to edit.
    expect(fake.calls.filter((c) => c.name === 'videos.plan').length).toBe(plansBefore + 1);
    expect(screen.getByTestId('video-from-draft')).toBeTruthy();
    expect(screen.queryByLabelText('Start (s)')).toBeNull();
    const drafted = must(fake.drafts.get(must(first))?.videos[0]).frames;

    await act(async () => {
      fireEvent.click(screen.getByTestId('send-button'));
      await settle();
    });
    const send = must(fake.calls.findLast((c) => c.name === 'chat.send'));
    const [part] = (send.input as { content: Array<{ type: string; video?: { frames: unknown[] } }> })
      .content;
    expect(part).toMatchObject({ type: 'video', video: { name: 'kept.webm', start: 1, durationSeconds: 3 } });
    expect(part?.video?.frames).toEqual(drafted);
    expect(fake.drafts.has(must(first))).toBe(false);
    drafts.stop();
  });

  it('restores a draft without a video whose frames are gone, saying so', async () => {
    const view = await setup();
    const { store, fake, api } = view;
    for (const title of ['Bug', 'Other']) await act(() => api['threads.create']({ title }));
    await act(() => loadAll(store));
    const drafts = bindDrafts(api, store, 0);
    const [first, second] = store.getState().threadList.map((t) => t.id);
    await act(() => store.getState().selectThread(must(first)));
    await drop(clip('lost.webm'));
    const card = await screen.findByTestId('video-card');
    await until(() => card.dataset.status === 'ready', 'the card ready');
    await until(() => (fake.drafts.get(must(first))?.videos.length ?? 0) === 1, 'the draft saved');

    await act(async () => {
      await store.getState().selectThread(must(second));
      await settle();
    });
    fake.images.delete(must(fake.drafts.get(must(first))?.videos[0]?.frames[0]).sha256);
    await act(async () => {
      await store.getState().selectThread(must(first));
      await settle();
    });
    const restored = await screen.findByTestId('video-card');
    expect(restored.dataset.status).toBe('error');
    expect(screen.getByTestId('video-error').textContent).toMatch(
      /frames of lost\.webm are no longer stored/,
    );
    // The note is not sent, nor kept in the draft.
    expect(store.getState().videos.map((v) => v.status)).toEqual(['error']);
    drafts.stop();
  });
});
