/**
 * The report as one request sees it, loaded once and passed down: period, template version, agency, report row,
 * values, evidence and the figures counted from the dossier counts.
 *
 * Reading a report is the dashboards' main read, so it is two statements, both named (parsed and planned once per
 * connection), with the template compiled and cached by version:
 *   1. the head: period, template version, agency, report state and version, the agency's counts watermark — one
 *      row of primary-key probes. Those versions make the ETag, so a matching If-None-Match ends here (304);
 *   2. the body: every value with its evidence as one JSON document, and the counted figures of the period's
 *      window, in the same snapshot as the versions it repeats (the ETag is taken from those, so an ETag never
 *      names an older body than the one it came with).
 * Neither writes: the dossier figures come from the monthly roll-up and the raw rows of months still marked dirty.
 */
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database, type Tx } from '../../db/connection.js';
import type { CountField } from '../../domain/dossiers.js';
import type { ReportedValue } from '../../domain/indicators.js';
import type { ReportState } from '../../domain/report-workflow.js';
import { ProblemError } from '../../errors.js';
import { windowTotalsQuery, toGroupTotals } from '../dossiers/repository.js';
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
}

export interface ReportHead {
  key: ReportKey;
  period: PeriodHead | undefined;
  templateStamp: number | null;
  agency: { code: string; name: string; active: boolean } | undefined;
  report: { state: ReportState; version: number } | undefined;
  countsVersion: number;
}

export interface ReportContext {
  key: ReportKey;
  period: PeriodHead;
  template: LoadedTemplate;
  agency: { code: string; name: string; active: boolean };
  report: { state: ReportState; version: number } | undefined;
  /** Stored values by indicator code. */
  values: Map<string, StoredCell>;
  /** Evidence (document ids) by indicator code. */
  evidence: Map<string, string[]>;
  /** The template's count-fed indicators, from the agency's own counts in the period's window. */
  counted: Map<string, Counted>;
  /** The weak ETag of everything above. */
  etag: string;
}

/** Bumped when what a report read computes from the same stored data changes (a new rule for derived values…). */
const READ_MODEL_VERSION = 1;

/** The ETag of a report read from its version stamp: template version, report version, counts watermark. */
export function reportEtag(templateId: string, templateStamp: number, reportVersion: number, countsVersion: number): string {
  const stamp = `${READ_MODEL_VERSION}|${templateId}@${templateStamp}|${reportVersion}|${countsVersion}`;
  return `W/"${createHash('sha1').update(stamp).digest('base64url').slice(0, 20)}"`;
}

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
  template_id: string | null;
  template_stamp: number | null;
  agency_code: string | null;
  agency_name: string;
  agency_active: boolean;
  report_state: ReportState | null;
  report_version: number;
  counts_version: number;
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

const headQuery = (key: ReportKey) => sql`
  select p.id as period_id, p.state as period_state, p.starts_on::text, p.ends_on::text, p.due_on::text,
    a.code as agency_code, a.name as agency_name, a.active as agency_active, ${VERSIONS}
  from (select ${key.periodId}::text as pid, ${key.agencyCode}::text as acode) k
  ${JOINS}
  left join agencies a on a.code = k.acode`;

interface BodyRow {
  report_state: ReportState | null;
  template_id: string | null;
  template_stamp: number | null;
  report_version: number;
  counts_version: number;
  /** [indicator, number, text, note, updatedAt, updatedBy] per stored value. */
  vals: Array<[string, number | null, string | null, string | null, string, string | null]>;
  /** Document ids by indicator, in the order they were linked. */
  evidence: Record<string, string[]> | null;
  counted: Record<string, unknown> | null;
}

/**
 * The body statement. Values travel as one JSON array of arrays: the database builds it in one pass and the driver
 * parses it in one JSON.parse, where row-by-row results would be parsed field by field and mapped object by object.
 */
function bodyQuery(key: ReportKey, counts: SQL | undefined): SQL {
  return sql`
  select ${VERSIONS},
    (select coalesce(json_agg(json_build_array(v.indicator_code, v.value_num, v.value_text, v.note,
        to_char(v.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), v.updated_by)), '[]'::json)
     from indicator_values v where v.period_id = k.pid and v.agency_code = k.acode) as vals,
    (select json_object_agg(e.indicator_code, e.ids) from (
       select indicator_code, json_agg(document_id order by created_at, document_id) as ids
       from value_evidence where period_id = k.pid and agency_code = k.acode group by indicator_code) e) as evidence,
    ${counts ? sql`(select row_to_json(w) from (${counts}) w limit 1)` : sql`null::json`} as counted
  from (select ${key.periodId}::text as pid, ${key.agencyCode}::text as acode) k
  ${JOINS}`;
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
      a.code as agency_code, a.name as agency_name, a.active as agency_active, ${VERSIONS}
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
    ? { id: r.period_id, state: r.period_state, startsOn: r.starts_on, endsOn: r.ends_on, dueOn: r.due_on, templateId: r.template_id }
    : undefined,
  templateStamp: r.template_stamp === null ? null : Number(r.template_stamp),
  agency: r.agency_code ? { code: r.agency_code, name: r.agency_name, active: r.agency_active } : undefined,
  report: r.report_state ? { state: r.report_state, version: Number(r.report_version) } : undefined,
  countsVersion: Number(r.counts_version),
});

export type LoadedRead = { notModified: true; etag: string } | { notModified: false; context: ReportContext };

export function createReportReader(database: Database, templates: TemplateService) {
  /** Inside a transaction the statements go through it (PGlite has one connection; writes must see their own rows). */
  const run = async <T>(tx: Tx | undefined, query: SQL): Promise<T[]> => (tx ? queryRows<T>(tx, query) : database.read<T>(query));

  async function head(key: ReportKey, tx?: Tx): Promise<ReportHead> {
    const [row] = await run<HeadRow>(tx, headQuery(key));
    return headOf(key, row!);
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

  async function body(h: ReportHead, base: Awaited<ReturnType<typeof readable>>, tx?: Tx): Promise<ReportContext | undefined> {
    const { key } = h;
    const fed = base.template.indicators.filter((i) => i.fromCounts);
    // An agency whose counts watermark never moved has no dossier counts (ingestion and the roll-up rebuild move it).
    const counts =
      fed.length && h.countsVersion > 0
        ? windowTotalsQuery({ from: base.period.startsOn, to: base.period.endsOn, root: key.agencyCode, subtree: false, groupBy: 'none' })
        : undefined;
    const [row] = await run<BodyRow>(tx, bodyQuery(key, counts));
    const b = row!;
    // The template changed between the two statements, or the agency's first counts arrived: the caller starts again.
    if (b.template_id !== base.template.id || Number(b.template_stamp) !== base.template.updatedAt) return undefined;
    if (fed.length && !counts && Number(b.counts_version) > 0) return undefined;
    const values = new Map<string, StoredCell>();
    for (const [code, num, text, note, updatedAt, updatedBy] of b.vals) values.set(code, { value: num ?? text, note, updatedAt, updatedBy });
    const counted = new Map<string, Counted>();
    if (b.counted) {
      const totals = toGroupTotals(b.counted);
      for (const i of fed)
        counted.set(i.code, {
          value: totals.totals[i.fromCounts as CountField],
          source: 'dossier-counts',
          systems: totals.sources,
          asOf: totals.asOf.toISOString(),
        });
    }
    return {
      key,
      period: base.period,
      template: base.template,
      agency: base.agency,
      report: b.report_state ? { state: b.report_state, version: Number(b.report_version) } : undefined,
      values,
      evidence: new Map(Object.entries(b.evidence ?? {})),
      counted,
      etag: reportEtag(base.template.id, base.template.updatedAt, Number(b.report_version), Number(b.counts_version)),
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

    /** The context of a head already read (a page's reports), or undefined when the template moved meanwhile. */
    async contextOf(h: ReportHead): Promise<ReportContext> {
      const context = await body(h, await readable(h));
      return context ?? (await this.context(h.key));
    },

    /**
     * The report's context; with `ifNoneMatch`, a match answers after the head statement. Pass `tx` inside a
     * transaction (a write that locked the report first).
     */
    async load(key: ReportKey, options: { ifNoneMatch?: string | undefined; tx?: Tx } = {}): Promise<LoadedRead> {
      for (let attempt = 0; ; attempt++) {
        const h = await head(key, options.tx);
        const base = await readable(h, options.tx);
        if (options.ifNoneMatch) {
          const etag = reportEtag(base.template.id, base.template.updatedAt, h.report?.version ?? 0, h.countsVersion);
          if (etagMatches(options.ifNoneMatch, etag)) return { notModified: true, etag };
        }
        const context = await body(h, base, options.tx);
        if (context) return { notModified: false, context };
        if (attempt > 0) throw new ProblemError('CONFLICT', 'The template changed while reading the report; retry');
      }
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
