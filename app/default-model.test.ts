import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_REPO } from './catalog.ts';
import { defaultModel } from './default-model.ts';
import type { ModelEntry } from './ipc/contract.ts';

function model(id: string, bytes: number, fields: Partial<ModelEntry> = {}): ModelEntry {
  return {
    id,
    name: id,
    dir: `/models/${id}`,
    family: 'smolvlm',
    contextLength: 8192,
    source: null,
    bytes,
    removable: false,
    ...fields,
  };
}

const download = (repo: string, variant = 'q4') => ({ source: { repo, commit: 'c0ffee', variant } });

describe('the default model', () => {
  it('is the catalog’s default model when it is installed, even when another is smaller', () => {
    const models = [
      model('llava-onevision-tiny', 10_000),
      model('smolvlm', 150_000_000, download(DEFAULT_MODEL_REPO)),
      model('tiny-folder', 5_000),
    ];
    expect(defaultModel(models)?.id).toBe('smolvlm');
  });

  it('matches the default repository however it is spelled', () => {
    const models = [model('a', 1), model('b', 9, download(DEFAULT_MODEL_REPO.toLowerCase()))];
    expect(defaultModel(models)?.id).toBe('b');
  });

  it('takes the smallest download of the default repository when there are several variants', () => {
    const models = [
      model('fp16', 500, download(DEFAULT_MODEL_REPO, 'fp16')),
      model('q4', 150, download(DEFAULT_MODEL_REPO, 'q4')),
    ];
    expect(defaultModel(models)?.id).toBe('q4');
  });

  it('is otherwise the smallest installed model, not the first by name', () => {
    const models = [
      model('a-large', 3_000_000_000),
      model('b-small', 200_000_000, download('Qwen/Qwen2-VL-2B-Instruct')),
      model('c-medium', 800_000_000),
    ];
    expect(defaultModel(models)?.id).toBe('b-small');
  });

  it('keeps the list’s order between models of the same size', () => {
    expect(defaultModel([model('first', 10), model('second', 10)])?.id).toBe('first');
  });

  it('never is a model with a problem, the default repository’s included', () => {
    const models = [
      model('broken-default', 100, { ...download(DEFAULT_MODEL_REPO), problem: 'A Git LFS pointer.' }),
      model('broken-small', 1, { problem: 'A config Tessera cannot use.' }),
      model('sound', 1_000),
    ];
    expect(defaultModel(models)?.id).toBe('sound');
  });

  it('is null when nothing can run', () => {
    expect(defaultModel([])).toBeNull();
    expect(defaultModel([model('broken', 1, { problem: 'No graphs.' })])).toBeNull();
  });
});
