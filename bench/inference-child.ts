/**
 * One measured run of one system in a process of its own, so its peak memory is its own. Usage (from the
 * inference suite): node --import tsx bench/inference-child.ts '<InferenceJob as JSON>'
 * Prints one JSON line, a ChildResult. Only the measured system's library is imported.
 */
import type { InferenceJob } from './inference-common.ts';

const job = JSON.parse(process.argv[2] ?? '{}') as InferenceJob;
if (!job.system || !job.modelDir) throw new Error('inference-child: missing job fields');
const result =
  job.system === 'tessera'
    ? await (await import('./inference-tessera.ts')).measureTessera(job)
    : await (await import('./inference-transformers.ts')).measureTransformers(job);
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
