/** What Tessera says when it cannot plan a remote model's images: it does not know the model's family. */
import { TesseraError } from '../../app/errors.ts';
import type { ModelEntry } from '../../app/ipc/contract.ts';

export function unknownPlanReason(model: ModelEntry): string {
  const server = model.remote?.serverName ?? 'this server';
  return `The tile plan is unknown for ${model.name} on ${server}: Tessera does not know its model family, so ${server} decides how to tile each image and what it costs.`;
}

export function unknownPlan(model: ModelEntry): TesseraError {
  return new TesseraError('BAD_REQUEST', unknownPlanReason(model));
}
