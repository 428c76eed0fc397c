/**
 * JSON-safe encoding of contract values for the WebSocket transport: JSON has no bytes, so every
 * Uint8Array becomes `{ $bytes: "<base64>" }` on the way out and is turned back on the way in. Electron IPC
 * does not need this (structured clone carries Uint8Array). Pure TypeScript so both the renderer and Node
 * can use it; base64 is done by hand because `Buffer` is Node-only and `btoa` needs a binary string, which
 * is slow and memory-hungry for a 40 MiB image.
 */

import type { EventName, Result } from './contract.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 61; // '='
const ASCII = new TextDecoder('latin1');

/** Index into a typed array or table whose bounds the loop guarantees (noUncheckedIndexedAccess). */
const at = (table: ArrayLike<number>, index: number): number => table[index] as number;

export function bytesToBase64(bytes: Uint8Array): string {
  // ASCII codes into one buffer, turned into a string by one TextDecoder call: far faster for a 40 MiB
  // image than building strings piecewise (base64 is ASCII, so any ASCII-compatible decoding is exact).
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (at(bytes, i) << 16) | (at(bytes, i + 1) << 8) | at(bytes, i + 2);
    out[o++] = at(ENCODE, n >> 18);
    out[o++] = at(ENCODE, (n >> 12) & 63);
    out[o++] = at(ENCODE, (n >> 6) & 63);
    out[o++] = at(ENCODE, n & 63);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (at(bytes, i) << 16) | (rest === 2 ? at(bytes, i + 1) << 8 : 0);
    out[o++] = at(ENCODE, n >> 18);
    out[o++] = at(ENCODE, (n >> 12) & 63);
    out[o] = rest === 2 ? at(ENCODE, (n >> 6) & 63) : PAD;
    out[o + 1] = PAD;
  }
  return ASCII.decode(out);
}

/** Standard base64, padded or not; throws on any other character or a stray '='. */
export function base64ToBytes(text: string): Uint8Array {
  let length = text.length;
  if (length % 4 === 0 && text.charCodeAt(length - 1) === PAD) length--;
  if (length % 4 === 3 && text.charCodeAt(length - 1) === PAD) length--;
  if (length % 4 === 1) throw new Error('Invalid base64: bad length.');
  const out = new Uint8Array(Math.floor((length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? at(DECODE, code) : -1;
    if (digit < 0) throw new Error(`Invalid base64 character at ${i}.`);
    value = ((value << 6) | digit) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

function isBytesMarker(value: object): value is { $bytes: string } {
  const keys = Object.keys(value);
  return (
    keys.length === 1 && keys[0] === '$bytes' && typeof (value as { $bytes: unknown }).$bytes === 'string'
  );
}

/** Deeper than any contract payload; refusing deeper input keeps a hostile frame from exhausting the stack. */
const MAX_DEPTH = 64;

/** Replaces every Uint8Array (at any depth) with `{ $bytes: base64 }`. Other values are copied as they are. */
export function encodeWire(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return { $bytes: bytesToBase64(value) };
  if (depth > MAX_DEPTH) throw new Error('The message is nested too deeply.');
  if (Array.isArray(value)) return value.map((item) => encodeWire(item, depth + 1));
  if (value !== null && typeof value === 'object')
    return mapEntries(value, (item) => encodeWire(item, depth + 1));
  return value;
}

/** The inverse of `encodeWire`: every `{ $bytes: base64 }` object becomes a Uint8Array again. */
export function decodeWire(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new Error('The message is nested too deeply.');
  if (Array.isArray(value)) return value.map((item) => decodeWire(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    if (isBytesMarker(value)) return base64ToBytes(value.$bytes);
    return mapEntries(value, (item) => decodeWire(item, depth + 1));
  }
  return value;
}

/**
 * Copies an object's own entries. Object.fromEntries defines properties, so a `"__proto__"` key from
 * JSON.parse stays a plain data key; `out[key] = …` would set the copy's prototype instead.
 */
function mapEntries(value: object, map: (item: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, map(item)]));
}

// Frames of the WebSocket transport (`tessera serve`), as JSON after encodeWire.

/** Client → server; the id is the client's, echoed in the result. */
export interface WireRequest {
  id: number | string;
  type: 'request';
  name: string;
  input: unknown;
}

/** Server → client: the answer to one request, or a pushed event. */
export type WireServerFrame =
  | { type: 'result'; id: number | string; result: Result<unknown> }
  | { type: 'event'; name: EventName; payload: unknown };
