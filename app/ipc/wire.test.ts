/** The WebSocket wire codec: bytes survive JSON both ways, and hostile frames cannot do harm. */
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, decodeWire, encodeWire } from './wire.ts';

const roundTrip = (value: unknown) => decodeWire(JSON.parse(JSON.stringify(encodeWire(value))));

describe('wire codec', () => {
  it('matches standard base64 for every length and byte value', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length * 11) % 256);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(text)).toEqual(bytes);
      expect(base64ToBytes(text.replace(/=+$/, ''))).toEqual(bytes); // unpadded is accepted too
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToBase64(all)).toBe(Buffer.from(all).toString('base64'));
  });

  it('carries a multi-megabyte image across chunk boundaries', () => {
    const bytes = new Uint8Array(3 * 8192 * 200 + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const back = roundTrip({ data: bytes }) as { data: Uint8Array };
    expect(back.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back.data).equals(Buffer.from(bytes))).toBe(true);
  });

  it('turns bytes at any depth into {$bytes} and back, leaving other values alone', () => {
    const value = {
      name: 'a.png',
      data: new Uint8Array([1, 2, 3]),
      list: [new Uint8Array([]), { nested: new Uint8Array([255]) }, 'text', 4, null, true],
    };
    const wire = encodeWire(value) as { data: unknown; list: unknown[] };
    expect(wire.data).toEqual({ $bytes: 'AQID' });
    expect(wire.list[0]).toEqual({ $bytes: '' });
    expect(roundTrip(value)).toEqual(value);
    // An object that merely has a $bytes key among others is not bytes.
    expect(decodeWire({ $bytes: 'AQID', other: 1 })).toEqual({ $bytes: 'AQID', other: 1 });
  });

  it('refuses malformed base64 instead of guessing', () => {
    for (const bad of ['A', 'AB=C', '@@@@', 'AQID====', 'QQ=A', 'é', 'AQ I']) {
      expect(() => base64ToBytes(bad), bad).toThrow(/Invalid base64/);
    }
    expect(() => decodeWire({ input: { data: { $bytes: '*' } } })).toThrow(/Invalid base64/);
  });

  it('keeps "__proto__" keys as data and never touches prototypes', () => {
    const decoded = decodeWire(
      JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": {"x": 1}}}'),
    ) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect((decoded as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(decoded)).toContain('__proto__');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('refuses frames nested deeper than any contract payload', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 1000; i++) deep = [deep];
    expect(() => decodeWire(deep)).toThrow(/nested too deeply/);
    let fine: unknown = 'x';
    for (let i = 0; i < 20; i++) fine = { a: fine };
    expect(decodeWire(fine)).toEqual(fine);
  });
});
