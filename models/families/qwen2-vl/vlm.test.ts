/**
 * A bad Qwen2-VL folder at load (the runtime on the generated models: models/families/conformance-vlm.test.ts).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Vlm } from '../../runtime/vlm.ts';
import { qwenTestModel } from './testing.ts';

describe('bad Qwen2-VL folders', () => {
  it('a Qwen2.5-VL config over a Qwen2-VL encoder: the load names the file and the missing grid input', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tessera-qwen-bad-'));
    try {
      const copy = join(scratch, 'model');
      cpSync(await qwenTestModel('qwen2-vl'), copy, { recursive: true });
      const configPath = join(copy, 'config.json');
      const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(configPath, JSON.stringify({ ...config, model_type: 'qwen2_5_vl' }));
      await expect(Vlm.load(copy, { device: 'cpu', dtype: 'fp32' })).rejects.toThrow(
        /vision_encoder\.onnx lacks the input\(s\) image_grid_thw \(it has pixel_values, grid_thw\)/,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
