import type { GenerationStats, ModulePlacement } from '../../app/chat.ts';
import { answerModelLabel } from '../../app/families.ts';
import { formatInt, formatMs, formatRate } from '../lib/format.ts';

const PROVIDERS: Record<string, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  webgpu: 'WebGPU',
  dml: 'DirectML',
  coreml: 'CoreML',
};

export function providerName(placement: ModulePlacement): string {
  return `${PROVIDERS[placement.provider] ?? placement.provider} ${placement.dtype}`;
}

/**
 * Per-answer diagnostics: the line says how fast and where it ran; the details give every stage, so a
 * slow answer can be traced to (for example) a vision encoder that fell back to the CPU.
 */
export function StatsLine({ stats }: { stats: GenerationStats }) {
  const visionOnCpu = stats.providers.vision.provider === 'cpu' && stats.providers.decoder.provider !== 'cpu';
  // A thread can mix models, so each answer says which wrote it (older answers did not record it).
  const model = answerModelLabel(stats);
  return (
    <details className="stats" data-testid="message-stats">
      <summary>
        {model && <span data-testid="message-model">{model}</span>}
        <span>{formatMs(stats.timeToFirstTokenMs)} to first token</span>
        <span>{formatRate(stats.decodeTokensPerSecond)} tokens/s</span>
        {!stats.model?.server && (
          <>
            <span className={visionOnCpu ? 'stats-warn' : undefined}>
              vision {providerName(stats.providers.vision)}
            </span>
            <span>decoder {providerName(stats.providers.decoder)}</span>
          </>
        )}
      </summary>
      <dl className="stats-grid">
        <dt>Prompt</dt>
        <dd>
          {formatInt(stats.promptTokens)} tokens
          {stats.cachedTokens > 0 && ` (${formatInt(stats.cachedTokens)} from cache)`}
        </dd>
        <dt>Generated</dt>
        <dd>{formatInt(stats.generatedTokens)} tokens</dd>
        <dt>Images</dt>
        <dd>
          {stats.imagesEncoded} encoded, {stats.imagesFromCache} from cache
        </dd>
        <dt>Preprocess</dt>
        <dd>{formatMs(stats.preprocessMs)}</dd>
        <dt>Vision encoder</dt>
        <dd>{formatMs(stats.visionEncodeMs)}</dd>
        <dt>Prefill</dt>
        <dd>{formatMs(stats.prefillMs)}</dd>
        <dt>Embeddings</dt>
        <dd>{providerName(stats.providers.embed)}</dd>
        <dt>Overhead</dt>
        <dd>{formatRate(stats.overheadMsPerToken)} ms/token</dd>
      </dl>
    </details>
  );
}
