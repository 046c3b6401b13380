/**
 * Keyset paging, done one way everywhere: fetch one row more than the page shows, so whether there is a next page
 * is known without counting, and hand out the sort key of the page's last row as the opaque next cursor.
 */
import { encodeCursor } from './cursor.js';

/** What a list route answers (its schema is Page() of schemas/common.ts). */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The page of `rows` fetched with `limit + 1`: the first `limit` rows, and a cursor from the last of them when the
 * extra row came back. `cursorOf` gives that row's sort key, what the repository's `after`/`before` takes.
 */
export function pageOf<Row>(rows: readonly Row[], limit: number, cursorOf: (last: Row) => unknown): CursorPage<Row> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : null };
}

/** Fetches a page: `fetch` is asked for `limit + 1` rows (the extra one only says a next page exists). */
export async function fetchPage<Row>(
  limit: number,
  fetch: (limit: number) => Promise<readonly Row[]>,
  cursorOf: (last: Row) => unknown,
): Promise<CursorPage<Row>> {
  return pageOf(await fetch(limit + 1), limit, cursorOf);
}

/** The same page with each row turned into what the API shows; the cursor, taken from the rows, stays. */
export function mapPage<Row, Item>(page: CursorPage<Row>, toItem: (row: Row) => Item): CursorPage<Item> {
  return { items: page.items.map((row) => toItem(row)), nextCursor: page.nextCursor };
}
