/**
 * What provincial dashboards pull: values of whole reports (filtered, a page of reports at a time), roll-ups over
 * an agency's subtree, and an indicator across periods. The values list reads each report through the same
 * context as the one-report route, so both give the same figures (counted ones included).
 */
import type { Db } from '../../db/connection.js';
import type { ReportedValue } from '../../domain/indicators.js';
import { aggregatesNeeded, rollupIndicator, type Aggregates } from '../../domain/rollup.js';
import { ProblemError } from '../../errors.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { pageOf } from '../../schemas/paging.js';
import { requireAgency } from '../agencies/lookup.js';
import { listPeriods } from '../periods/repository.js';
import type { LoadedTemplate, TemplateService } from '../templates/service.js';
import { cellsOf, itemsOf } from './cells.js';
import { etagMatches, pageEtag, type ReportContext, type ReportHead, type ReportReader } from './context.js';
import { isReportKey, type ReportKey } from './keys.js';
import * as repo from './values-repository.js';
import type { ValueItem, ValuesQuery } from './value-schemas.js';

type ListRead = { notModified: true; etag: string } | { notModified: false; etag: string; body: { items: ValueItem[]; nextCursor: string | null } };

/** The indicator and section filters of a values query, as a test on indicator codes. */
function keeper(query: ValuesQuery): (code: string) => boolean {
  const indicators = query.indicator?.length ? new Set(query.indicator) : undefined;
  return (code) => (!indicators || indicators.has(code)) && (!query.section || code === query.section || code.startsWith(`${query.section}.`));
}

export function createDashboardService(db: Db, deps: { templates: TemplateService; reader: ReportReader }) {
  /**
   * The page of one report: empty when it has no values (or its period does not exist), 404 only for an unknown
   * agency, as the page query answers.
   */
  async function listOne(key: ReportKey, keep: (code: string) => boolean, ifNoneMatch: string | undefined): Promise<ListRead> {
    const empty = async (h?: ReportHead): Promise<ListRead> => {
      const head = h ?? (await deps.reader.head(key));
      if (!head.agency) throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${key.agencyCode}`);
      const etag = pageEtag([]);
      return etagMatches(ifNoneMatch, etag) ? { notModified: true, etag } : { notModified: false, etag, body: { items: [], nextCursor: null } };
    };
    if (ifNoneMatch) {
      const h = await deps.reader.head(key);
      if (!h.period || !h.hasValues) return empty(h);
      const etag = pageEtag([h]);
      if (etagMatches(ifNoneMatch, etag)) return { notModified: true, etag };
    }
    let context: ReportContext;
    try {
      context = await deps.reader.context(key);
    } catch (error) {
      // A missing period or template is an empty page here, as the page query would find no report.
      if (error instanceof ProblemError && (error.code === 'PERIOD_NOT_FOUND' || error.code === 'PERIOD_HAS_NO_TEMPLATE')) return empty();
      throw error;
    }
    if (!context.head.hasValues) return empty(context.head);
    return { notModified: false, etag: pageEtag([context.head]), body: { items: itemsOf(context, keep), nextCursor: null } };
  }

  /** The template (and version) each period used at its last roll-up: a guess, always checked. */
  const periodTemplates = new Map<string, { templateId: string; stamp: number }>();

  return {
    /**
     * A page of reports' values. The first statement reads the page's heads (their versions make the ETag, so a
     * matching If-None-Match ends there); then each report's body, as the one-report read does. A page that can
     * only hold one report (one period, one agency, no subtree, no cursor), the dashboards' usual question, is
     * read as the one-report route reads it: the same statements, the same ETag as the long way would give.
     */
    async list(query: ValuesQuery, ifNoneMatch?: string): Promise<ListRead> {
      const keep = keeper(query);
      const [period] = query.period ?? [];
      if (period && query.period!.length === 1 && query.agency && !query.subtree && !query.cursor) {
        return listOne({ periodId: period, agencyCode: query.agency }, keep, ifNoneMatch);
      }
      const limit = query.limit ?? 50;
      const { treeSize, heads } = await deps.reader.page({
        periods: query.period,
        agency: query.agency,
        subtree: query.subtree,
        after: query.cursor ? decodeCursor(query.cursor, isReportKey) : undefined,
        limit: limit + 1,
      });
      if (query.agency && treeSize === 0) throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${query.agency}`);
      const { items: page, nextCursor } = pageOf(heads, limit, (h) => h.key);
      const etag = pageEtag(heads);
      if (etagMatches(ifNoneMatch, etag)) return { notModified: true, etag };
      const contexts = await Promise.all(page.map((h) => deps.reader.contextOf(h)));
      return { notModified: false, etag, body: { items: contexts.flatMap((c) => itemsOf(c, keep)), nextCursor } };
    },

    /**
     * Roll-up of indicators over an agency's subtree for a period, by each indicator's roll-up rule. Dashboards
     * poll this, so the common case is one statement: the template the period used last time is assumed, and the
     * statement itself returns the period's current template version; on a mismatch the roll-up is redone.
     */
    async rollup(query: { period: string; agency: string; indicator?: string[] | undefined; section?: string | undefined }) {
      const hint = periodTemplates.get(query.period);
      let template = hint ? deps.templates.cached(hint.templateId, hint.stamp) : undefined;
      for (let attempt = 0; ; attempt++) {
        template ??= await deps.reader.templateOfPeriod(query.period);
        const codes = selectCodes(template, query.indicator, query.section);
        const result = await repo.subtreeAggregates(db, { periods: [query.period], root: query.agency, codes: aggregatesNeeded(template.compiled, codes) });
        const current = result.firstPeriod;
        if (current.templateId !== template.id || current.templateStamp !== template.updatedAt) {
          periodTemplates.delete(query.period);
          if (attempt > 0) throw new ProblemError('CONFLICT', 'The template changed while rolling up; retry');
          template = undefined;
          continue;
        }
        periodTemplates.set(query.period, { templateId: template.id, stamp: template.updatedAt });
        if (result.treeSize === 0) throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${query.agency}`);
        const byCode = result.byPeriod.get(query.period) ?? new Map<string, Aggregates>();
        return {
          period: query.period,
          agency: query.agency,
          template: template.id,
          agenciesInTree: result.treeSize,
          items: codes.map((code) => ({ ...rollupIndicator(template!.compiled, code, byCode), rollup: template!.compiled.defs.get(code)!.rollup })),
        };
      }
    },

    /** One indicator across the periods of a kind: one agency's figures, or its subtree rolled up. */
    async series(query: {
      indicator: string;
      agency: string;
      kind?: string | undefined;
      fromYear?: number | undefined;
      toYear?: number | undefined;
      subtree?: boolean | undefined;
    }) {
      await requireAgency(db, query.agency);
      const kind = (query.kind ?? 'year') as Parameters<typeof listPeriods>[1]['kind'];
      const periods = (await listPeriods(db, { kind, limit: 10_000 })).filter(
        (p) => p.templateId && (query.fromYear === undefined || p.year >= query.fromYear) && (query.toYear === undefined || p.year <= query.toYear),
      );
      const withIndicator: Array<{ id: string; template: LoadedTemplate }> = [];
      for (const p of periods) {
        const template = await deps.templates.load(p.templateId!);
        if (template.compiled.defs.has(query.indicator)) withIndicator.push({ id: p.id, template });
      }
      const items: Array<{ period: string; value: ReportedValue; status: string }> = [];
      if (query.subtree) {
        const codes = [...new Set(withIndicator.flatMap((p) => aggregatesNeeded(p.template.compiled, [query.indicator])))];
        const aggregates = withIndicator.length
          ? (await repo.subtreeAggregates(db, { periods: withIndicator.map((p) => p.id), root: query.agency, codes })).byPeriod
          : new Map<string, Map<string, Aggregates>>();
        for (const p of withIndicator) {
          const r = rollupIndicator(p.template.compiled, query.indicator, aggregates.get(p.id) ?? new Map());
          items.push({ period: p.id, value: r.value, status: r.status });
        }
      } else {
        const keys = withIndicator.map((p) => ({ periodId: p.id, agencyCode: query.agency }));
        const rows = await repo.loadReports(db, keys);
        for (const p of withIndicator) {
          const reported = new Map(rows.filter((r) => r.periodId === p.id).map((r) => [r.indicatorCode, repo.valueOf(r)]));
          const cell = cellsOf(p.template, reported).get(query.indicator);
          items.push({ period: p.id, value: cell?.value ?? null, status: cell?.status ?? 'not_reported' });
        }
      }
      return { indicator: query.indicator, agency: query.agency, subtree: query.subtree ?? false, items };
    },
  };
}

/** The requested indicators of a template that have a value (all of them when none is named). */
function selectCodes(template: LoadedTemplate, indicators: string[] | undefined, section: string | undefined): string[] {
  const defs = template.compiled.defs;
  if (indicators?.length) {
    const unknown = indicators.filter((c) => !defs.has(c));
    if (unknown.length) throw new ProblemError('INDICATOR_NOT_FOUND', `Template ${template.id} has no indicator ${unknown.join(', ')}`);
  }
  return template.compiled.order.filter(
    (code) =>
      defs.get(code)!.valueType !== 'section' &&
      (!indicators?.length || indicators.includes(code)) &&
      (!section || code === section || code.startsWith(`${section}.`)),
  );
}

export type DashboardService = ReturnType<typeof createDashboardService>;
