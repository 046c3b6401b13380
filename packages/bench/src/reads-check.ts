/**
 * What the read benchmark checks before timing: the baseline answers the report's rows, the service's report read
 * its items, the dashboard read the very same items, and If-None-Match with the service's ETag answers 304. A
 * difference is a warning in the output, not a stop: the figures are still worth having, with that caveat.
 */
import { isDeepStrictEqual } from 'node:util';

export interface ReadUrls {
  bare: string;
  report: string;
  list: string;
  headers: Record<string, string>;
}

export interface CheckResult {
  /** The ETag the report read answered (for D), or null. */
  etag: string | null;
  notes: string[];
  warnings: string[];
}

async function get(url: string, headers: Record<string, string>): Promise<{ status: number; etag: string | null; bytes: number; body: unknown }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, etag: res.headers.get('etag'), bytes: Buffer.byteLength(text), body };
}

const itemsOf = (body: unknown): unknown[] | null =>
  Array.isArray(body) ? body : Array.isArray((body as { items?: unknown })?.items) ? (body as { items: unknown[] }).items : null;

export async function checkReads(urls: ReadUrls, expectRows: number): Promise<CheckResult> {
  const notes: string[] = [];
  const warnings: string[] = [];
  const expect = (label: string, res: { status: number; bytes: number; body: unknown }) => {
    const items = itemsOf(res.body);
    notes.push(`${label}: HTTP ${res.status}, ${items?.length ?? 'no'} rows, ${res.bytes} bytes`);
    if (res.status !== 200 || items?.length !== expectRows) {
      const body = res.status === 200 ? '' : `: ${JSON.stringify(res.body).slice(0, 300)}`;
      warnings.push(`${label} answered HTTP ${res.status} with ${items?.length ?? 'no'} rows, expected 200 with ${expectRows}${body}`);
    }
    return items;
  };

  expect('A bare route', await get(urls.bare, {}));
  const report = await get(urls.report, urls.headers);
  const reportItems = expect('C report read', report);
  const again = await get(urls.report, urls.headers);
  notes.push(
    `C ETag ${report.etag ?? 'none'}; a second identical request: ${again.etag ?? 'none'} (${again.etag === report.etag ? 'the same' : 'different'}), body ${isDeepStrictEqual(again.body, report.body) ? 'the same' : 'different'}`,
  );
  if (!report.etag) warnings.push('C answered no ETag: D cannot be measured as a conditional read');
  else if (again.etag !== report.etag)
    warnings.push(`C's ETag changes between identical requests (${report.etag} then ${again.etag}): If-None-Match cannot match`);

  const list = await get(urls.list, urls.headers);
  const listItems = expect('E dashboard read', list);
  notes.push(`E ETag ${list.etag ?? 'none'}, nextCursor ${JSON.stringify((list.body as { nextCursor?: unknown })?.nextCursor)}`);
  if (reportItems && listItems) {
    if (isDeepStrictEqual(reportItems, listItems)) notes.push(`E vs C: the same ${listItems.length} items (deep-equal, same order)`);
    else {
      const i = reportItems.findIndex((item, n) => !isDeepStrictEqual(item, listItems[n]));
      warnings.push(
        `E's items differ from C's: first at index ${i}: C ${JSON.stringify(reportItems[i]).slice(0, 300)} vs E ${JSON.stringify(listItems[i]).slice(0, 300)}`,
      );
    }
  }

  if (report.etag) {
    const conditional = await get(urls.report, { ...urls.headers, 'if-none-match': report.etag });
    notes.push(`D (C with If-None-Match): HTTP ${conditional.status}, ${conditional.bytes} bytes`);
    if (conditional.status !== 304) warnings.push(`D answered HTTP ${conditional.status}, expected 304: every D answer will count as unexpected`);
  }
  return { etag: report.etag, notes, warnings };
}
