/** Which service to talk to and as whom: flags win over the environment (CCHC_URL, CCHC_API_KEY). */
import { createClient, type CchcClient } from '@cchc/client';
import { randomUUID } from 'node:crypto';
import { UsageError } from './errors.js';

export interface ConnectionFlags {
  url?: string;
  apiKey?: string;
}

export interface Connection {
  url: string;
  apiKey: string | undefined;
  client: CchcClient;
}

export function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const url = flags.url ?? env.CCHC_URL;
  if (!url) throw new UsageError('no service: give --url or set CCHC_URL (e.g. http://127.0.0.1:3000)');
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url/CCHC_URL is not a URL: ${url}`);
  }
  const apiKey = flags.apiKey ?? (env.CCHC_API_KEY || undefined);
  // One id per run in x-request-id, so the service's log lines of a run can be found together.
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const client = createClient({ baseUrl: url, ...(apiKey && { apiKey }), requestId: () => `cchc-${run}-${++n}` });
  return { url, apiKey, client };
}
