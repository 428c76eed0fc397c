import { describe, expect, it } from 'vitest';
import { toOpenAiMessage } from './remote-chat.ts';

describe('a video part for a remote server', () => {
  it('is refused by name: Chat Completions servers take images', () => {
    const frame = { width: 1, height: 1, data: new Uint8Array(3) };
    const video = {
      type: 'video' as const,
      source: { size: { width: 1, height: 1 }, totalFrames: 2, frameRate: 1 },
      frames: [frame, frame],
    };
    expect(() =>
      toOpenAiMessage({ role: 'user', content: [video, { type: 'text', text: 'What happens?' }] }),
    ).toThrow(/takes images, not videos: ask about the video with a local model/);
  });
});
