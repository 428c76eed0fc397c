/**
 * One measured run of one system in a process of its own, so its peak memory is its own. Usage (from the
 * inference suite): node --import tsx bench/inference-child.ts '<InferenceJob as JSON>'
 * Prints one JSON line: a ChildResult, or for Tessera-only jobs a ContextResult or a load time. Only the
 * measured system's library is imported.
 */
import type { ContextJob, InferenceJob, LoadJob } from './inference-common.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as InferenceJob | ContextJob | LoadJob;
if (!job.system || !job.modelDir) throw new Error('inference-child: missing job fields');
const result =
  job.system === 'tessera'
    ? await (await import('./inference-tessera.ts')).measureTessera(job)
    : job.system === 'tessera-context'
      ? await (await import('./inference-tessera.ts')).measureContext(job)
      : job.system === 'tessera-load'
        ? await (await import('./inference-tessera.ts')).measureLoad(job)
        : await (await import('./inference-transformers.ts')).measureTransformers(job);
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
