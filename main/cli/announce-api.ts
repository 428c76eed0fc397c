/** What `tessera api` and `tessera serve --api` share: the port flag and the lines that announce the API. */
import { isLoopback } from '../api/http.ts';
import type { Services } from '../services/index.ts';
import { UsageError, intOption } from './args.ts';

/** Waits for the API server and prints where it is and its key; throws when it could not listen. */
export async function announceApi(services: Services, host?: string): Promise<void> {
  const status = await services.api.sync();
  if (status.state !== 'listening' || !status.url) {
    throw new Error(`The API server could not start: ${status.error ?? 'it is off'}`);
  }
  console.log(`OpenAI-compatible API at ${status.url}`);
  console.error(`API key: ${status.key}`);
  for (const url of status.networkUrls) console.error(`From other devices: ${url}`);
  if (host !== undefined && !isLoopback(host)) {
    console.error(
      `Listening on ${host}: anyone who can reach it and has the key can use the API (plain HTTP).`,
    );
  }
}

export function portOption(value: unknown, name: string): number | undefined {
  const port = intOption(value, name);
  if (port !== undefined && port > 65_535)
    throw new UsageError(`--${name} must be at most 65535, got "${port}".`);
  return port;
}
