/**
 * The report as one request sees it, loaded once and passed down: period, template version, agency, report row,
 * values, evidence and the figures counted from the dossier counts.
 *
 * Reading a report is the dashboards' main read. Its statements are named (parsed and planned once per connection)
 * and the template is compiled and cached by version:
 *   - the head: period, template version, agency, report state and version, the agency's counts watermark — one row
 *     of primary-key probes. Those versions make the ETag, so a matching If-None-Match ends here (304);
 *   - the body: every value with its evidence as plain rows, and one marker row carrying the head (and the counted
 *     figures of the period's window, when there are any). The ETag is the carried head's, the same snapshot.
 * A read without If-None-Match is the body alone: it assumes the template and window of the period's last read and
 * checks them against the head it carries. With If-None-Match, the head comes first.
 * Neither writes: the dossier figures come from the monthly roll-up and the raw rows of months still marked dirty.
 */
import { createHash } from 'node:crypto';
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import { prepareRead, queryRows, type Database, type Tx } from '../../db/connection.js';
import type { ReportDocumentData } from '../../db/schema.js';
import type { CountField } from '../../domain/dossiers.js';
import type { ReportedValue } from '../../domain/indicators.js';
import type { ReportState } from '../../domain/report-workflow.js';
import { ProblemError } from '../../errors.js';
import { toGroupTotals, windowTotalsQuery, type GroupTotals } from '../dossiers/repository.js';
import { findPeriodWithTemplate } from '../periods/repository.js';
import type { LoadedTemplate, TemplateService } from '../templates/service.js';
import type { ReportKey } from './keys.js';

/** A figure taken from the dossier counts. */
export type Counted = { value: number; source: 'dossier-counts'; systems: string[]; asOf: string };

/** A stored value as reads need it. */
export interface StoredCell {
  value: ReportedValue;
  note: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

export interface PeriodHead {
  id: string;
  state: 'open' | 'closed' | 'locked';
  startsOn: string;
  endsOn: string;
  dueOn: string;
  templateId: string | null;
  /** When the period row last changed (its window feeds the counted figures). */
  stamp: number;
}

export interface ReportHead {
  key: ReportKey;
  period: PeriodHead | undefined;
  templateStamp: number | null;
  agency: { code: string; name: string; active: boolean } | undefined;
  report: { state: ReportState; version: number } | undefined;
  countsVersion: number;
  /** Whether any value is stored (a report row alone can exist for its narrative). */
  hasValues: boolean;
  /** The report's document metadata ({} when none), and the name of the agency's parent (the documents' defaults). */
  document: ReportDocumentData;
  parentName: string | null;
}

export interface ReportContext {
  /** The head read with the body, in the same snapshot. */
  head: ReportHead;
  key: ReportKey;
  period: PeriodHead;
  template: LoadedTemplate;
  agency: { code: string; name: string; active: boolean };
  report: { state: ReportState; version: number } | undefined;
  /** Stored values by indicator code. */
  values: Map<string, StoredCell>;
  /** The same values as the formulas read them (indicator → reported value). */
  reported: Map<string, ReportedValue>;
  /** Evidence (document ids) by indicator code. */
  evidence: Map<string, string[]>;
  /** The template's count-fed indicators, from the agency's own counts in the period's window. */
  counted: Map<string, Counted>;
  /** The report's document metadata ({} when none or no report row). */
  document: ReportDocumentData;
  /** The agency's parent (short name, else name), for the document's cơ quan chủ quản; null at the root. */
  parentName: string | null;
  /** The weak ETag of everything above. */
  etag: string;
}

/** Bumped when what a report read computes from the same stored data changes (a new rule for derived values…). */
const READ_MODEL_VERSION = 1;

/** A report's version stamp: period and template versions, report version, counts watermark. */
const stampOf = (h: ReportHead) => `${h.period?.stamp}|${h.period?.templateId}@${h.templateStamp}|${h.report?.version ?? 0}|${h.countsVersion}`;

const weakEtag = (stamp: string) => `W/"${createHash('sha1').update(`${READ_MODEL_VERSION}|${stamp}`).digest('base64url').slice(0, 20)}"`;

/** The ETag of one report read. */
export const reportEtag = (h: ReportHead): string => weakEtag(stampOf(h));

/** The ETag of a page of reports (the dashboards' list): every report on it, by key and stamp. */
export const pageEtag = (heads: ReportHead[]): string => weakEtag(heads.map((h) => `${h.key.periodId}/${h.key.agencyCode}:${stampOf(h)}`).join(';'));

/** Whether an If-None-Match header names this ETag (weak comparison, lists and `*` included). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === opaque;
  });
}

interface HeadRow {
  period_id: string | null;
  period_state: PeriodHead['state'];
  starts_on: string;
  ends_on: string;
  due_on: string;
  period_stamp: number;
  template_id: string | null;
  template_stamp: number | null;
  agency_code: string | null;
  agency_name: string;
  agency_active: boolean;
  report_state: ReportState | null;
  report_version: number;
  counts_version: number;
  has_values: boolean | null;
  /** Only in the one-report head (not the dashboards' page). */
  report_document?: ReportDocumentData | null;
  parent_name?: string | null;
}

/** The version columns both statements repeat, from a key row `k(pid, acode)`. */
const VERSIONS = sql.raw(`
  floor(extract(epoch from t.updated_at) * 1000)::float8 as template_stamp, p.template_id,
  r.state as report_state, coalesce(r.version, 0)::float8 as report_version, coalesce(cv.version, 0)::float8 as counts_version`);
const JOINS = sql.raw(`
  left join periods p on p.id = k.pid
  left join templates t on t.id = p.template_id
  left join reports r on r.period_id = k.pid and r.agency_code = k.acode
  left join dossier_count_versions cv on cv.agency_code = k.acode`);

/** A report key, or placeholders for one (the statements built once, below). */
type KeyParams = { periodId: string | Placeholder; agencyCode: string | Placeholder };
const KEY_PLACEHOLDERS: KeyParams = { periodId: sql.placeholder('periodId'), agencyCode: sql.placeholder('agencyCode') };

const headQuery = (key: KeyParams) => sql`
  select p.id as period_id, p.state as period_state, p.starts_on::text, p.ends_on::text, p.due_on::text,
    floor(extract(epoch from p.updated_at) * 1000)::float8 as period_stamp, a.code as agency_code, a.name as agency_name, a.active as agency_active, ${VERSIONS},
    (select true from indicator_values v where v.period_id = k.pid and v.agency_code = k.acode limit 1) as has_values,
    r.document as report_document, (select coalesce(pa.short_name, pa.name) from agencies pa where pa.code = a.parent_code) as parent_name
  from (select ${key.periodId}::text as pid, ${key.agencyCode}::text as acode) k
  ${JOINS}
  left join agencies a on a.code = k.acode`;

/** A value row of the body: indicator, number, text, note, updatedAt (ms), updatedBy, evidence document ids. */
type BodyRow = [string | null, number | null, string | null, string | null, number | null, string | null, string[] | null];

/**
 * The body statement: the report's values as plain rows (the database only converts them to text, where building
 * JSON would escape every note character by character) with each value's evidence joined from one grouped scan.
 * One extra row, whose indicator is null, carries the head as JSON (so a read without If-None-Match is this one
 * statement, and its ETag comes from the same snapshot as its rows) and, when the template has count-fed
 * indicators and the agency has counts, the window totals as JSON.
 */
function bodyQuery(key: KeyParams, window: { startsOn: string; endsOn: string } | undefined): SQL {
  const { periodId, agencyCode } = key;
  const counts = window
    ? sql`case when exists (select from dossier_count_versions where agency_code = ${agencyCode}::text and version > 0)
        then (select row_to_json(w)::text from (${windowTotalsQuery({ from: window.startsOn, to: window.endsOn, root: agencyCode as string, subtree: false, groupBy: 'none' })}) w limit 1) end`
    : sql`null::text`;
  return sql`
  select v.indicator_code as code, v.value_num::float8 as num, v.value_text as text, v.note,
    -- date_part is float8 arithmetic where extract() is numeric, a third of this statement's time; values are written
    -- with millisecond times, so rounding gives them back exactly.
    round(date_part('epoch', v.updated_at) * 1000) as updated_ms, v.updated_by::text as updated_by, e.ids
  from indicator_values v
  left join (
    select indicator_code, array_agg(document_id::text order by created_at, document_id) as ids
    from value_evidence where period_id = ${periodId}::text and agency_code = ${agencyCode}::text group by indicator_code
  ) e on e.indicator_code = v.indicator_code
  where v.period_id = ${periodId}::text and v.agency_code = ${agencyCode}::text
  union all
  select null::text, null::float8, (select row_to_json(h)::text from (${headQuery(key)}) h), ${counts}, null::float8, null::text, null::text[]`;
}

/** Filters of the dashboards' values list: a page of reports that have values, in key order. */
export interface ReportPageFilter {
  periods?: string[] | undefined;
  agency?: string | undefined;
  subtree?: boolean | undefined;
  after?: ReportKey | undefined;
  limit: number;
}

/**
 * The heads of a page of reports in one statement, with the size of the agency's subtree (0: no such agency) so
 * an unknown agency is told apart from an empty page without a second statement.
 */
function pageQuery(f: ReportPageFilter): SQL {
  // A scalar subquery, not EXISTS: the planner would turn EXISTS into a semi-join over every value (a full scan in
  // the generic plan a named statement gets); this stays one index probe per candidate report.
  const where: SQL[] = [sql`(select true from indicator_values v where v.period_id = r.period_id and v.agency_code = r.agency_code limit 1)`];
  if (f.periods?.length) where.push(sql`r.period_id = any(${sql.param(f.periods)}::text[])`);
  // One agency: an equality the planner turns into a primary-key probe; a subtree: the recursive walk.
  if (f.agency) where.push(f.subtree ? sql`r.agency_code in (select code from tree)` : sql`r.agency_code = ${f.agency}::text`);
  if (f.after) where.push(sql`(r.period_id, r.agency_code) > (${f.after.periodId}::text, ${f.after.agencyCode}::text)`);
  const tree = f.subtree
    ? sql`with recursive tree(code) as (
    select code from agencies where code = ${f.agency ?? null}::text
    union
    select a.code from agencies a join tree t on a.parent_code = t.code
  )`
    : sql`with tree(code) as (select code from agencies where code = ${f.agency ?? null}::text)`;
  return sql`
  ${tree}
  select (select count(*) from tree)::int as tree_size, page.* from (select 1) as one left join lateral (
    select r.period_id as pid, r.agency_code as acode, p.id as period_id, p.state as period_state, p.starts_on::text, p.ends_on::text, p.due_on::text,
      floor(extract(epoch from p.updated_at) * 1000)::float8 as period_stamp,
      a.code as agency_code, a.name as agency_name, a.active as agency_active, ${VERSIONS}, true as has_values
    from reports r
    join periods p on p.id = r.period_id
    left join templates t on t.id = p.template_id
    left join dossier_count_versions cv on cv.agency_code = r.agency_code
    join agencies a on a.code = r.agency_code
    where ${sql.join(where, sql` and `)}
    order by r.period_id, r.agency_code
    limit ${f.limit}
  ) page on true`;
}

const headOf = (key: ReportKey, r: HeadRow): ReportHead => ({
  key,
  period: r.period_id
    ? {
        id: r.period_id,
        state: r.period_state,
        startsOn: r.starts_on,
        endsOn: r.ends_on,
        dueOn: r.due_on,
        templateId: r.template_id,
        stamp: Number(r.period_stamp),
      }
    : undefined,
  templateStamp: r.template_stamp === null ? null : Number(r.template_stamp),
  agency: r.agency_code ? { code: r.agency_code, name: r.agency_name, active: r.agency_active } : undefined,
  report: r.report_state ? { state: r.report_state, version: Number(r.report_version) } : undefined,
  countsVersion: Number(r.counts_version),
  hasValues: r.has_values === true,
  document: r.report_document ?? {},
  parentName: r.parent_name ?? null,
});

/** The figures of the template's count-fed indicators, from the agency's window totals. */
function countedInto(counted: Map<string, Counted>, fed: LoadedTemplate['indicators'], totals: GroupTotals): void {
  for (const i of fed) {
    counted.set(i.code, {
      value: totals.totals[i.fromCounts as CountField],
      source: 'dossier-counts',
      systems: totals.sources,
      asOf: totals.asOf.toISOString(),
    });
  }
}

/** The period and agency a head names, or 404 (the period first, as every report route answers). */
export function requireExisting(h: ReportHead): { period: PeriodHead; agency: NonNullable<ReportHead['agency']> } {
  if (!h.period) throw new ProblemError('PERIOD_NOT_FOUND', `No reporting period ${h.key.periodId}`);
  if (!h.agency) throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${h.key.agencyCode}`);
  return { period: h.period, agency: h.agency };
}

export type LoadedRead = { notModified: true; etag: string } | { notModified: false; context: ReportContext };

export function createReportReader(database: Database, templates: TemplateService) {
  /** The head, and the body of an agency without counts: their text is built once. */
  const HEAD = prepareRead(headQuery(KEY_PLACEHOLDERS));
  const BODY = prepareRead(bodyQuery(KEY_PLACEHOLDERS, undefined));
  /** The same, each row as an array of its columns (no object per row on the hot path). */
  /** The period and template of each period's last read: a plain read assumes them and checks (one statement). */
  const periodHints = new Map<string, { period: PeriodHead; template: LoadedTemplate }>();
  /** Agencies whose counts watermark has moved: their reads carry the window totals. Only grows (counts stay). */
  const agenciesWithCounts = new Set<string>();
  /** Inside a transaction the statements go through it (PGlite has one connection; writes must see their own rows). */
  const runArrays = async <T extends unknown[]>(tx: Tx | undefined, query: SQL): Promise<T[]> =>
    tx ? (await queryRows<Record<string, unknown>>(tx, query)).map((r) => Object.values(r) as T) : database.read<T>(query, { rowMode: 'array' });

  async function head(key: ReportKey, tx?: Tx): Promise<ReportHead> {
    const [row] = tx ? await queryRows<HeadRow>(tx, headQuery(key)) : await database.read<HeadRow>({ statement: HEAD, values: { ...key } });
    return headOf(key, row!);
  }

  /** The head first, then the body with what it says. */
  async function headThenBody(key: ReportKey, ifNoneMatch: string | undefined, tx?: Tx): Promise<LoadedRead> {
    const h = await head(key, tx);
    const base = await readable(h, tx);
    const etag = reportEtag(h);
    if (etagMatches(ifNoneMatch, etag)) return { notModified: true, etag };
    let expected: { period: PeriodHead; template: LoadedTemplate } = base;
    for (let attempt = 0; attempt < 3; attempt++) {
      const context = await body(key, expected, tx);
      if (context) return { notModified: false, context };
      expected = await readable(await head(key, tx), tx);
    }
    throw new ProblemError('CONFLICT', 'The period or its template changed while reading the report; retry');
  }

  /** The period's template, or why the report cannot be read; then the agency. Same order as every report route. */
  async function readable(h: ReportHead, tx?: Tx): Promise<{ period: PeriodHead; template: LoadedTemplate; agency: NonNullable<ReportHead['agency']> }> {
    const { key, period } = h;
    if (!period) throw new ProblemError('PERIOD_NOT_FOUND', `No reporting period ${key.periodId}`);
    if (!period.templateId) throw new ProblemError('PERIOD_HAS_NO_TEMPLATE', `The reporting period ${key.periodId} has no indicator template yet`);
    const template =
      templates.cached(period.templateId, h.templateStamp!) ?? (await templates.load(period.templateId, tx ?? database.db, new Date(h.templateStamp!)));
    if (!h.agency) throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${key.agencyCode}`);
    return { period, template, agency: h.agency };
  }

  /**
   * The body, read with the template and window `expected` names (from a head, or the period's last read). The
   * head it carries is checked against them; when they no longer hold, undefined: read the head first.
   */
  async function body(key: ReportKey, expected: { period: PeriodHead; template: LoadedTemplate }, tx?: Tx): Promise<ReportContext | undefined> {
    const fed = expected.template.countFed;
    // The counts subquery costs its plan's start-up even when it does not run: only agencies known to have counts
    // carry it. One that gained counts since is seen in the head it returns, and read again.
    const withCounts = fed.length > 0 && agenciesWithCounts.has(key.agencyCode);
    const rows =
      withCounts || tx
        ? await runArrays<BodyRow>(tx, bodyQuery(key, withCounts ? expected.period : undefined))
        : await database.read<BodyRow>({ statement: BODY, values: { ...key } }, { rowMode: 'array' });
    const values = new Map<string, StoredCell>();
    const reported = new Map<string, ReportedValue>();
    const evidence = new Map<string, string[]>();
    const counted = new Map<string, Counted>();
    let h: ReportHead | undefined;
    // Values written together share their time: convert each distinct one once.
    let lastMs: number | null = null;
    let lastIso = '';
    for (const [code, num, text, note, updatedMs, updatedBy, ids] of rows) {
      if (code === null) {
        h = headOf(key, JSON.parse(text!) as HeadRow);
        if (note) countedInto(counted, fed, toGroupTotals(JSON.parse(note) as Record<string, unknown>));
        continue;
      }
      if (updatedMs !== lastMs) {
        lastMs = updatedMs;
        lastIso = new Date(updatedMs!).toISOString();
      }
      const value = num ?? text;
      values.set(code, { value, note, updatedAt: lastIso, updatedBy });
      reported.set(code, value);
      if (ids) evidence.set(code, ids);
    }
    if (h!.countsVersion > 0) agenciesWithCounts.add(key.agencyCode);
    if (fed.length > 0 && !withCounts && h!.countsVersion > 0) return undefined;
    const base = await readable(h!, tx);
    const p = base.period;
    const same = base.template.id === expected.template.id && base.template.updatedAt === expected.template.updatedAt;
    if (!same || p.startsOn !== expected.period.startsOn || p.endsOn !== expected.period.endsOn) return undefined;
    periodHints.set(p.id, { period: p, template: base.template });
    return {
      head: h!,
      key,
      period: p,
      template: base.template,
      agency: base.agency,
      report: h!.report,
      values,
      reported,
      evidence,
      counted,
      document: h!.document,
      parentName: h!.parentName,
      etag: reportEtag(h!),
    };
  }

  return {
    head,
    readable,

    /** The template a period reports on, for reads that are not one report's (roll-ups, exports). */
    async templateOfPeriod(periodId: string): Promise<LoadedTemplate> {
      const period = await findPeriodWithTemplate(database.db, periodId);
      if (!period) throw new ProblemError('PERIOD_NOT_FOUND', `No reporting period ${periodId}`);
      if (!period.templateId) throw new ProblemError('PERIOD_HAS_NO_TEMPLATE', `The reporting period ${periodId} has no indicator template yet`);
      return templates.load(period.templateId, database.db, period.templateUpdatedAt ?? undefined);
    },

    /** One page of report heads (see pageQuery); `treeSize` is 0 when the filter's agency does not exist. */
    async page(f: ReportPageFilter): Promise<{ treeSize: number; heads: ReportHead[] }> {
      const rows = await database.read<HeadRow & { tree_size: number; pid: string | null; acode: string }>(pageQuery(f));
      return {
        treeSize: rows[0]?.tree_size ?? 0,
        heads: rows.flatMap((r) => (r.pid === null ? [] : [headOf({ periodId: r.pid, agencyCode: r.acode }, r)])),
      };
    },

    /** The context of a head already read (a page's reports). */
    async contextOf(h: ReportHead): Promise<ReportContext> {
      return (await body(h.key, await readable(h))) ?? (await this.context(h.key));
    },

    /**
     * The report's context. A plain read is one statement when the period was read before (its template and window
     * are assumed, and checked); with `ifNoneMatch`, the head is read first and a match answers 304 after it. Pass
     * `tx` inside a transaction (a write that locked the report first).
     */
    async load(key: ReportKey, options: { ifNoneMatch?: string | undefined; tx?: Tx } = {}): Promise<LoadedRead> {
      const hint = options.ifNoneMatch ? undefined : periodHints.get(key.periodId);
      if (hint) {
        const context = await body(key, hint, options.tx);
        if (context) return { notModified: false, context };
        periodHints.delete(key.periodId);
      }
      return headThenBody(key, options.ifNoneMatch, options.tx);
    },

    /** The context, for code that always needs the body (findings, exports, workflow). */
    async context(key: ReportKey, tx?: Tx): Promise<ReportContext> {
      const read = await this.load(key, { tx });
      if (read.notModified) throw new Error('unreachable: no If-None-Match was given');
      return read.context;
    },
  };
}

export type ReportReader = ReturnType<typeof createReportReader>;
