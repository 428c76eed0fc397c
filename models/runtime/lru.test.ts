import { describe, expect, it } from 'vitest';
import { ByteLru } from './lru.ts';

describe('ByteLru', () => {
  it('evicts the least recently used entries past the budget', () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string>(100, (v) => evicted.push(v));
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    lru.get('a');
    lru.set('c', 'C', 40);
    expect(evicted).toEqual(['B']);
    expect(lru.get('a')).toBe('A');
    expect(lru.bytes).toBe(80);
  });

  it('refuses an entry larger than the whole budget', () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string>(10, (v) => evicted.push(v));
    lru.set('big', 'BIG', 11);
    expect(lru.get('big')).toBeUndefined();
    expect(evicted).toEqual(['BIG']);
  });

  it('take hands the entry over without evicting it', () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string>(10, (v) => evicted.push(v));
    lru.set('a', 'A', 5);
    expect(lru.take('a')).toBe('A');
    expect(lru.bytes).toBe(0);
    expect(evicted).toEqual([]);
  });
});
