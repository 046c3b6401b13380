/**
 * Cursor pagination: list routes answer `{ items, nextCursor }` and take `cursor` and `limit`; paginate follows
 * nextCursor until it is null and yields the items one by one, typed by the path.
 */
import type { MaybeOptionalInit } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import type { CchcClient } from './client.js';
import { failureOf } from './problem.js';

type JsonOk<Operation> = Operation extends { responses: { 200: { content: { 'application/json': infer Body } } } } ? Body : never;
type CursorPage = { responses: { 200: { content: { 'application/json': { items: unknown[]; nextCursor: string | null } } } } };
type CursorQuery = { parameters: { query?: { cursor?: string; limit?: number } } };

/** The GET paths whose 200 answer is a cursor page and which take `cursor` and `limit`. */
export type PaginatedPath = {
  [P in keyof paths]: paths[P] extends { get: CursorPage & CursorQuery } ? P : never;
}[keyof paths];

/** What a page of `P` holds. */
export type PageItem<P extends PaginatedPath> = JsonOk<paths[P]['get']> extends { items: Array<infer Item> } ? Item : never;

/** The options of the first page's GET (a `cursor` there starts from that cursor). */
export type PageInit<P extends PaginatedPath> = MaybeOptionalInit<paths[P], 'get'>;

// Inside, the call is made without the per-path generics: TypeScript cannot relate a generic P to
// client.GET's own constraint. The signature above is what callers see and check against.
type LooseInit = { params?: { query?: Record<string, unknown> } };
type LooseGet = (path: string, init: LooseInit) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/**
 * Every item of a list route, page after page.
 * `for await (const agency of paginate(client, '/v1/agencies', { params: { query: { limit: 100 } } })) …`
 * Throws ProblemError (HttpError for non-problem answers) when a page fails.
 */
export async function* paginate<P extends PaginatedPath>(
  client: CchcClient,
  path: P,
  ...[init]: undefined extends PageInit<P> ? [init?: PageInit<P>] : [init: PageInit<P>]
): AsyncGenerator<PageItem<P>, void, undefined> {
  const get = client.GET as unknown as LooseGet;
  const base = (init ?? {}) as LooseInit;
  let cursor = base.params?.query?.cursor as string | undefined;
  do {
    const query = { ...base.params?.query, ...(cursor !== undefined && { cursor }) };
    const { data, error, response } = await get(path, { ...base, params: { ...base.params, query } });
    if (error !== undefined || !response.ok) throw failureOf(error, response);
    const page = data as { items: Array<PageItem<P>>; nextCursor: string | null };
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
