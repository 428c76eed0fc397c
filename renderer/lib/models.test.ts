import { describe, expect, it } from 'vitest';
import { formatApproxBytes, formatBytes, formatDuration } from './format.ts';
import { isHubEndpoint, parseRepoSource, shortName, suitsLabel } from './models.ts';

describe('model helpers', () => {
  it('names what a variant suits', () => {
    expect(suitsLabel(['cpu'])).toBe('CPU');
    expect(suitsLabel(['webgpu', 'cuda'])).toBe('GPU');
    expect(suitsLabel(['cpu', 'coreml'])).toBe('CPU or GPU');
  });

  it('parses repo sources and checks endpoints', () => {
    expect(parseRepoSource('a/b')).toEqual({ repo: 'a/b', revision: null });
    expect(parseRepoSource('a/b@v1.0')).toEqual({ repo: 'a/b', revision: 'v1.0' });
    expect(shortName('SmolVLM 256M Instruct')).toBe('SmolVLM 256M');
    expect(isHubEndpoint('https://huggingface.co')).toBe(true);
    expect(isHubEndpoint('http://localhost:8080/')).toBe(true);
    expect(isHubEndpoint('ftp://x')).toBe(false);
    expect(isHubEndpoint('huggingface.co')).toBe(false);
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GB');
    expect(formatApproxBytes(158_720_000)).toBe('151 MB');
    expect(formatApproxBytes(1.5 * 1024 ** 3)).toBe('1.5 GB');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(1500)).toBe('25 min');
    expect(formatDuration(4320)).toBe('1 h 12 min');
  });
});
