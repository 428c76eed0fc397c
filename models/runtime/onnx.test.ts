import { describe, expect, it } from 'vitest';
import { candidateProviders, gpuProvidersFor, noGpuDevice } from './onnx.ts';

describe('provider choice', () => {
  it('tries an explicit device alone', () => {
    expect(candidateProviders('cpu')).toEqual(['cpu']);
    expect(candidateProviders('webgpu')).toEqual(['webgpu']);
  });

  it('auto tries the platform GPU providers, then the CPU', () => {
    const auto = candidateProviders('auto');
    expect(auto.at(-1)).toBe('cpu');
    // WebGPU ships in onnxruntime-node on every desktop platform; auto skips it only without a GPU device.
    expect(gpuProvidersFor(process.platform)).toContain('webgpu');
    expect(auto.includes('webgpu')).toBe(!noGpuDevice());
  });

  it('never tries CUDA when its provider library is not installed', () => {
    // This checkout installs onnxruntime-node without the CUDA download (.npmrc).
    expect(gpuProvidersFor('linux')).not.toContain('cuda');
  });
});
