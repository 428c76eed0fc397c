/** A store wired to the fake services, with blob URLs faked (jsdom and Node have no object URLs). */
import { createImageUrls } from '../lib/image-urls.ts';
import type { ObjectUrls } from '../lib/image-urls.ts';
import { bindEvents } from '../state/events.ts';
import { createAppStore } from '../state/store.ts';
import { createFakeApi } from './fake-api.ts';
import type { FakeApiOptions } from './fake-api.ts';

export function createHarness(options: FakeApiOptions = {}) {
  const fake = createFakeApi(options);
  let nextUrl = 1;
  const live = new Set<string>();
  const objectUrls: ObjectUrls = {
    create: () => {
      const url = `blob:test/${nextUrl++}`;
      live.add(url);
      return url;
    },
    revoke: (url) => void live.delete(url),
  };
  const images = createImageUrls(fake.api, objectUrls);
  const store = createAppStore({ api: fake.api, images });
  // Deltas are flushed when the test says so, standing in for the animation frame.
  const frames: Array<() => void> = [];
  const unbind = bindEvents(fake.api, store, (flush) => frames.push(flush));
  const nextFrame = () => {
    for (const flush of frames.splice(0)) flush();
  };
  return { fake, api: fake.api, store, images, liveUrls: live, nextFrame, unbind };
}

/** Lets pending promise callbacks run (fake services answer asynchronously). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A minimal PNG header with the given size (enough for the fake's size sniffing). */
export function pngFile(name: string, width = 1920, height = 1080): File {
  const bytes = new Uint8Array(24);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  // A byte of the name keeps different files' (fake) hashes apart.
  return new File([bytes, name], name, { type: 'image/png' });
}

/** The value, or a test failure naming what was missing (tests avoid `!`). */
export function must<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) throw new Error(`Expected ${what}.`);
  return value;
}

/** Waits (a few ticks at a time) until `check` holds: uploads read files asynchronously. */
export async function until(check: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting for ${what}.`);
}
