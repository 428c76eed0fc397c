/** Pure helpers for the Models page and the first run: names and labels for catalog data. */
import type { ProviderKind } from '../../app/catalog.ts';

const PROVIDER_NAMES: Record<ProviderKind, string> = {
  cpu: 'CPU',
  webgpu: 'WebGPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
};

export function providerNames(providers: readonly ProviderKind[]): string {
  return providers.map((p) => PROVIDER_NAMES[p] ?? p).join(', ');
}

/** What a variant suits, in the words a person picks by: "CPU", "GPU" or "CPU or GPU". */
export function suitsLabel(providers: readonly ProviderKind[]): string {
  const cpu = providers.includes('cpu');
  const gpu = providers.some((p) => p !== 'cpu');
  if (cpu && gpu) return 'CPU or GPU';
  return gpu ? 'GPU' : 'CPU';
}

export type Fit = 'fits' | 'tight' | 'too-large';

export const FIT_LABELS: Record<Fit, string> = { fits: 'Fits', tight: 'Tight', 'too-large': 'Too large' };

/** A catalog name without the "Instruct" suffix, for buttons ("SmolVLM 256M"). */
export function shortName(name: string): string {
  return name.replace(/\s+Instruct$/i, '');
}

/** `OWNER/NAME[@REVISION]` → repo and revision (null: the default branch). */
export function parseRepoSource(source: string): { repo: string; revision: string | null } {
  const at = source.indexOf('@');
  if (at < 0) return { repo: source.trim(), revision: null };
  return { repo: source.slice(0, at).trim(), revision: source.slice(at + 1).trim() || null };
}

/** Whether a Hub endpoint is an http(s) URL (what `hub.configure` accepts). */
export function isHubEndpoint(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && Boolean(url.host);
  } catch {
    return false;
  }
}
