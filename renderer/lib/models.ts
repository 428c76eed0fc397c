/** Pure helpers for the Models page, the model picker and the first run: names and labels for models. */
import type { ProviderKind } from '../../app/catalog.ts';
import { familyName } from '../../app/families.ts';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import { formatBytes } from './format.ts';

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

/**
 * What the picker says under a model's name: family, size and variant for an installed model; for a remote
 * one its server's name and the family where Tessera knows it (what decides whether its tile plan is drawn).
 */
export function modelFacts(model: ModelEntry): string[] {
  if (model.remote) {
    const family = model.remote.planKnown ? familyName(model.family) : 'tile plan unknown';
    return [`on ${model.remote.serverName}`, family];
  }
  return [familyName(model.family), formatBytes(model.bytes), model.source?.variant].filter(
    (fact): fact is string => Boolean(fact),
  );
}

/** The model chip's tooltip: what the model is and where it runs. */
export function modelTitle(model: ModelEntry): string {
  if (model.remote) {
    const { serverName, baseUrl, planKnown } = model.remote;
    const family = planKnown ? `${familyName(model.family)}, ` : '';
    const context = model.contextLength > 0 ? `${model.contextLength} tokens of context, ` : '';
    return `${model.name} (${family}${context}remote: ${serverName}, ${baseUrl})`;
  }
  return `${model.name} (${familyName(model.family)}, ${model.contextLength} tokens of context)`;
}
