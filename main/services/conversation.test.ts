/**
 * Stored messages as the engine's chat messages: a video goes as its stored frame images, by sha256 with
 * their bytes for an answer and by sha256 alone for counting (nothing is decoded here); a frame the store
 * lacks is named.
 */
import { describe, expect, it } from 'vitest';
import { chatMessageSchema } from '../../app/chat.ts';
import type { Message, VideoRef } from '../../app/ipc/contract.ts';
import { chatMessages } from './conversation.ts';

const sha = (c: string) => c.repeat(64);
const video: VideoRef = {
  name: 'bug.webm',
  source: { size: { width: 96, height: 64 }, totalFrames: 60, frameRate: 30 },
  sampling: { fps: 2 },
  start: 0,
  durationSeconds: 2,
  frames: [
    { sha256: sha('a'), seconds: 0 },
    { sha256: sha('b'), seconds: 1 },
  ],
};
const question: Pick<Message, 'id' | 'role' | 'parts'> = {
  id: 'q',
  role: 'user',
  parts: [
    { type: 'video', video },
    { type: 'text', text: 'What happens?' },
  ],
};
const stored: Record<string, Uint8Array> = {
  [sha('a')]: new Uint8Array([1]),
  [sha('b')]: new Uint8Array([2]),
};

describe('chatMessages with a video', () => {
  it('sends the stored frames by hash and bytes, undecoded, with the clip facts', () => {
    const [message] = chatMessages([question], '', (h) => stored[h] ?? null);
    expect(message?.content[0]).toEqual({
      type: 'video',
      source: video.source,
      sampling: video.sampling,
      frames: [
        { sha256: sha('a'), data: stored[sha('a')] },
        { sha256: sha('b'), data: stored[sha('b')] },
      ],
    });
    expect(chatMessageSchema.safeParse(message).success).toBe(true);
  });

  it('sends the frames by hash alone for counting', () => {
    const [message] = chatMessages([question], '', null);
    const part = message?.content[0];
    expect(part?.type === 'video' && part.frames).toEqual([{ sha256: sha('a') }, { sha256: sha('b') }]);
    expect(chatMessageSchema.safeParse(message).success).toBe(true);
  });

  it('names a frame the store lacks', () => {
    expect(() => chatMessages([question], '', (h) => (h === sha('a') ? (stored[h] ?? null) : null))).toThrow(
      /^Frame 2 of the video bug\.webm \(bbbbbbbbbbbb…\) does not exist/,
    );
  });
});
