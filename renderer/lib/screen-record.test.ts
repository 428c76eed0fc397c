import { afterEach, describe, expect, it, vi } from 'vitest';
import { CaptureError } from './capture.ts';
import { RECORD_DENIED, recordingName, startScreenRecording } from './screen-record.ts';

/** A display stream of one video track: stop() and 'ended' as a browser's. */
function fakeStream() {
  const ended: Array<() => void> = [];
  const track = {
    stopped: false,
    stop() {
      this.stopped = true;
    },
    addEventListener: (_: string, listener: () => void) => ended.push(listener),
  };
  const stream = { getTracks: () => [track], getVideoTracks: () => [track] } as unknown as MediaStream;
  return { stream, track, endSharing: () => ended.forEach((listener) => listener()) };
}

/** MediaRecorder as the page sees it: a chunk of `bytes` bytes on each stop (none for 0). */
function fakeRecorder(bytes = 5, supported = (type: string) => type.startsWith('video/webm')) {
  const made: Array<{ mimeType: string; timeslice: number }> = [];
  class Recorder {
    static isTypeSupported = supported;
    state: 'inactive' | 'recording' = 'inactive';
    ondataavailable: ((event: { data: Blob }) => void) | null = null;
    onstop: (() => void) | null = null;
    onerror: (() => void) | null = null;
    constructor(_stream: MediaStream, options: { mimeType: string }) {
      made.push({ mimeType: options.mimeType, timeslice: 0 });
    }
    start(timeslice: number) {
      this.state = 'recording';
      (made.at(-1) as { timeslice: number }).timeslice = timeslice;
    }
    stop() {
      this.state = 'inactive';
      this.ondataavailable?.({ data: new Blob([new Uint8Array(bytes)]) });
      this.onstop?.();
    }
  }
  return { Recorder: Recorder as unknown as typeof MediaRecorder, made };
}

const at = () => new Date(2026, 11, 7, 5, 4, 9);

afterEach(() => vi.useRealTimers());

describe('recording the screen', () => {
  it('records the picked source as WebM until Stop, then stops its tracks', async () => {
    const { stream, track } = fakeStream();
    const getDisplayMedia = vi.fn(async () => stream);
    const { Recorder, made } = fakeRecorder();
    const recording = await startScreenRecording({ media: { getDisplayMedia }, Recorder, now: at });
    expect(getDisplayMedia).toHaveBeenCalledWith({ video: true, audio: false });
    expect(made).toEqual([{ mimeType: 'video/webm;codecs=vp8', timeslice: 1000 }]);
    expect(track.stopped).toBe(false);
    recording.stop();
    const file = await recording.done;
    expect([file.name, file.type, file.size]).toEqual([
      'Screen recording 2026-12-07 05-04-09.webm',
      'video/webm',
      5,
    ]);
    expect(track.stopped).toBe(true);
  });

  it('stops by itself at the time limit', async () => {
    vi.useFakeTimers();
    const { stream, track } = fakeStream();
    const { Recorder } = fakeRecorder();
    const recording = await startScreenRecording({
      media: { getDisplayMedia: async () => stream },
      Recorder,
      limitSeconds: 2,
    });
    vi.advanceTimersByTime(1999);
    expect(track.stopped).toBe(false);
    vi.advanceTimersByTime(1);
    expect((await recording.done).size).toBe(5);
    expect(track.stopped).toBe(true);
  });

  it('ends when sharing is stopped from the browser’s own bar', async () => {
    const { stream, track, endSharing } = fakeStream();
    const { Recorder } = fakeRecorder();
    const recording = await startScreenRecording({
      media: { getDisplayMedia: async () => stream },
      Recorder,
    });
    endSharing();
    expect((await recording.done).type).toBe('video/webm');
    expect(track.stopped).toBe(true);
  });

  it('says a cancelled or refused picker in one line, and makes no recorder', async () => {
    const { Recorder, made } = fakeRecorder();
    const refused = startScreenRecording({
      media: {
        getDisplayMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')),
      },
      Recorder,
    });
    await expect(refused).rejects.toThrow(RECORD_DENIED);
    await expect(refused).rejects.toBeInstanceOf(CaptureError);
    expect(made).toHaveLength(0);
  });

  it('says what is missing when the browser cannot record', async () => {
    const { stream } = fakeStream();
    await expect(startScreenRecording({ media: {} as MediaDevices })).rejects.toThrow(/no getDisplayMedia/);
    const { Recorder } = fakeRecorder(5, () => false);
    await expect(
      startScreenRecording({ media: { getDisplayMedia: async () => stream }, Recorder }),
    ).rejects.toThrow('This browser cannot record video as WebM (no MediaRecorder).');
  });

  it('refuses an empty recording, with the tracks stopped all the same', async () => {
    const { stream, track } = fakeStream();
    const { Recorder } = fakeRecorder(0);
    const recording = await startScreenRecording({
      media: { getDisplayMedia: async () => stream },
      Recorder,
    });
    recording.stop();
    await expect(recording.done).rejects.toThrow(/held no picture/);
    expect(track.stopped).toBe(true);
  });

  it('names a recording by the local time, with no colon', () => {
    expect(recordingName(at())).toBe('Screen recording 2026-12-07 05-04-09.webm');
  });
});
