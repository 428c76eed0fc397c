/**
 * Boxes an answer found, drawn back on its question's image (issue 18), end to end on stored answers: a
 * real `tessera serve` with a generated Qwen2.5-VL as the active model, and threads written into its store
 * before it starts, one per notation: Qwen2-VL's (x1,y1),(x2,y2) per mille as the engine's text stream
 * leaves it (special tokens skipped), Qwen2.5-VL's bbox_2d JSON in pixels of the resized input (mapped
 * through the real plan), and Gemma's <loc> bins. Each box must sit where its mapped pixels say, within a
 * pixel or two of the image as shown, and clicking one attaches a crop of exactly that region.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationStats } from '../app/chat.ts';
import type { ImageRef } from '../app/ipc/contract.ts';
import type { Store } from '../main/store/types.ts';
import { planFromFolder } from '../models/families/plan-folder.ts';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, screenshot } from './harness.ts';

let session: Session;
let page: Page;
let modelDir: string;

interface Expected {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Each stored thread: its image, the answer's text and family, and the boxes in original pixels. */
interface Case {
  title: string;
  width: number;
  height: number;
  family: string;
  answer: string;
  expected: Expected[];
}

const QWEN2: Case = {
  title: 'Qwen2-VL boxes',
  width: 800,
  height: 400,
  family: 'qwen2_vl',
  // What the engine streams of `<|object_ref_start|>the red car<|object_ref_end|><|box_start|>…`.
  answer: 'the red car(100,200),(500,750)\na dog(600,50),(990,400)',
  expected: [
    { label: 'the red car', x: 80, y: 80, width: 320, height: 220 },
    { label: 'a dog', x: 480, y: 20, width: 312, height: 140 },
  ],
};

const GEMMA: Case = {
  title: 'Gemma boxes',
  width: 640,
  height: 480,
  family: 'gemma3',
  answer: '<loc0256><loc0128><loc0768><loc0512> cat ; <loc0000><loc0640><loc0512><loc1023> lamp',
  expected: [
    { label: 'cat', x: 80, y: 120, width: 240, height: 240 },
    { label: 'lamp', x: 400, y: 0, width: ((1023 - 640) / 1024) * 640, height: 240 },
  ],
};

/** Qwen2.5-VL's boxes count pixels of the resized input: the real plan of the active model gives it. */
function qwen25Case(): Case {
  const original = { width: 1000, height: 700 };
  const { resized } = planFromFolder(modelDir, original, 'high');
  const sx = original.width / resized.width;
  const sy = original.height / resized.height;
  const box = [28, 56, Math.round(resized.width / 2), Math.round(resized.height / 2)] as const;
  return {
    title: 'Qwen2.5-VL boxes',
    ...original,
    family: 'qwen2_vl',
    answer: `Here it is:\n\`\`\`json\n[\n  {"bbox_2d": [${box.join(', ')}], "label": "window"}\n]\n\`\`\``,
    expected: [
      {
        label: 'window',
        x: box[0] * sx,
        y: box[1] * sy,
        width: (box[2] - box[0]) * sx,
        height: (box[3] - box[1]) * sy,
      },
    ],
  };
}

function stats(family: string): GenerationStats {
  const placement = { provider: 'cpu', dtype: 'fp32' };
  return {
    promptTokens: 120,
    cachedTokens: 0,
    generatedTokens: 30,
    imagesEncoded: 1,
    imagesFromCache: 0,
    preprocessMs: 5,
    visionEncodeMs: 40,
    prefillMs: 20,
    timeToFirstTokenMs: 70,
    decodeTokensPerSecond: 25,
    overheadMsPerToken: 0.5,
    providers: { vision: placement, embed: placement, decoder: placement },
    model: { id: `stored-${family}`, name: `Stored ${family}`, family },
  };
}

function seedCase(store: Store, c: Case, bytes: Uint8Array): void {
  const meta = { name: `${c.title}.png`, mime: 'image/png', width: c.width, height: c.height };
  const { sha256 } = store.putImage(bytes, meta);
  const image: ImageRef = { sha256, ...meta, detail: 'high' };
  const thread = store.createThread(c.title);
  const question = store.addMessage({
    threadId: thread.id,
    parentId: null,
    role: 'user',
    parts: [
      { type: 'image', image },
      { type: 'text', text: 'Where are the objects?' },
    ],
    status: 'complete',
  });
  const answer = store.addMessage({
    threadId: thread.id,
    parentId: question.id,
    role: 'assistant',
    parts: [{ type: 'text', text: c.answer }],
    status: 'complete',
  });
  store.finishMessage(answer.id, { status: 'complete', stats: stats(c.family) });
}

let cases: Case[] = [];

beforeAll(async () => {
  modelDir = await testModelDir({ family: 'qwen2.5-vl' });
  cases = [QWEN2, qwen25Case(), GEMMA];
  const images = await Promise.all(cases.map((c) => gradientImage(c.width, c.height)));
  session = await openSession({
    modelDirs: [modelDir],
    seedStore: (store) => cases.forEach((c, i) => seedCase(store, c, images[i] ?? new Uint8Array())),
  });
  page = session.page;
}, 300_000);

afterAll(() => session?.close());

async function openThread(title: string): Promise<void> {
  await page.locator(`${byId('thread-open')}[title="${title}"]`).click();
  await page.locator(`${byId('message-item')}[data-role="assistant"]`).waitFor();
}

/** The image's box on screen and each drawn box's, with the pixels it claims. */
async function drawn() {
  const image = page.locator(`${byId('message-item')}[data-role="user"] ${byId('message-image')} img`);
  const shown = await image.boundingBox();
  const boxes = page.locator(byId('image-box'));
  const out: { label: string; screen: { x: number; y: number; width: number; height: number } }[] = [];
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const screen = await box.boundingBox();
    const label = (await box.locator('.image-box-label').textContent()) ?? '';
    if (screen) out.push({ label, screen });
  }
  return { shown, boxes: out };
}

describe('boxes drawn back on the image', () => {
  for (const which of [0, 1, 2]) {
    it(`draws each box where its pixels map (${['Qwen2-VL', 'Qwen2.5-VL', 'Gemma'][which]})`, async () => {
      const c = cases[which];
      if (!c) throw new Error('no case');
      await openThread(c.title);
      await expect.poll(() => page.locator(byId('image-box')).count()).toBe(c.expected.length);
      const note = page.locator(byId('boxes-note'));
      expect(await note.textContent()).toContain(
        `${c.expected.length} ${c.expected.length === 1 ? 'box' : 'boxes'} on image 1`,
      );
      const { shown, boxes } = await drawn();
      if (!shown) throw new Error('the image is not shown');
      const scale = shown.width / c.width;
      // The image is shown whole, its aspect kept.
      expect(Math.abs(shown.height - c.height * scale)).toBeLessThan(1.5);
      for (const [i, want] of c.expected.entries()) {
        const got = boxes[i];
        expect(got?.label).toBe(want.label);
        const screen = got?.screen ?? { x: NaN, y: NaN, width: NaN, height: NaN };
        expect(Math.abs(screen.x - (shown.x + want.x * scale))).toBeLessThanOrEqual(2);
        expect(Math.abs(screen.y - (shown.y + want.y * scale))).toBeLessThanOrEqual(2);
        expect(Math.abs(screen.width - want.width * scale)).toBeLessThanOrEqual(2);
        expect(Math.abs(screen.height - want.height * scale)).toBeLessThanOrEqual(2);
      }
      if (which === 0) {
        await screenshot(page, 'boxes-qwen2-vl');
        await page.emulateMedia({ colorScheme: 'dark' });
        await screenshot(page, 'boxes-qwen2-vl-dark');
        await page.emulateMedia({ colorScheme: 'light' });
      }
    });
  }

  it('hides and shows the boxes from the answer', async () => {
    await openThread(GEMMA.title);
    const toggle = page.locator(byId('boxes-toggle'));
    await toggle.click();
    await expect.poll(() => page.locator(byId('image-box')).count()).toBe(0);
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    await expect.poll(() => page.locator(byId('image-box')).count()).toBe(GEMMA.expected.length);
  });

  it('attaches the region of a box, cut from the original pixels, with Enter', async () => {
    await openThread(QWEN2.title);
    const car = page.locator(byId('image-box')).first();
    await car.focus();
    await page.keyboard.press('Enter');
    const card = page.locator(`${byId('attachment-item')}[data-status="ready"]`);
    await card.waitFor({ timeout: 60_000 });
    expect(await card.getAttribute('aria-label')).toContain('Qwen2-VL boxes crop 320×220.png');
    // The crop's own pixels: its size, and the gradient's colours at the region's corners.
    const crop = await card.locator('img').evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d');
      if (!context) throw new Error('no canvas');
      context.drawImage(img, 0, 0);
      const at = (x: number, y: number) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3));
      return {
        width: img.naturalWidth,
        height: img.naturalHeight,
        topLeft: at(0, 0),
        bottomRight: at(img.naturalWidth - 1, img.naturalHeight - 1),
      };
    });
    expect({ width: crop.width, height: crop.height }).toEqual({ width: 320, height: 220 });
    // gradientImage: red = 255·x/(w-1), green = 255·y/(h-1), blue 128; the car's box starts at (80, 80).
    const colour = (x: number, y: number) => [
      Math.round((255 * x) / (QWEN2.width - 1)),
      Math.round((255 * y) / (QWEN2.height - 1)),
      128,
    ];
    for (const [got, want] of [
      [crop.topLeft, colour(80, 80)],
      [crop.bottomRight, colour(399, 299)],
    ] as const) {
      for (const [i, value] of got.entries()) expect(Math.abs(value - (want[i] ?? 0))).toBeLessThanOrEqual(2);
    }
    await screenshot(page, 'boxes-crop-attached');
  });
});
