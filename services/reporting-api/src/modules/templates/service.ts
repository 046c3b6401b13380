/**
 * Indicator templates as data: created whole (the seed loads the reference annex through the same path), copied
 * to a new year, edited indicator by indicator and rule by rule. Every write recompiles the template's formulas
 * and rules (domain/report.ts) and refuses an inconsistent result with TEMPLATE_INVALID, so a stored template
 * always computes.
 */
import type { Db, Tx } from '../../db/connection.js';
import type { IndicatorDef } from '../../domain/indicators.js';
import { compileTemplate, TemplateError, type CompiledTemplate, type RuleDef } from '../../domain/report.js';
import { definedOnly } from '../../domain/patch.js';
import { foldForSearch } from '../../domain/search-text.js';
import { ProblemError } from '../../errors.js';
import type { Actor } from '../../domain/actor.js';
import { recordAudit } from '../audit/repository.js';
import * as repo from './repository.js';
import type { Indicator, IndicatorPatch, NewIndicator, NewTemplate, Rule, Template } from './schemas.js';

export interface LoadedTemplate {
  id: string;
  updatedAt: number;
  indicators: Indicator[];
  rules: Rule[];
  compiled: CompiledTemplate;
  /** The indicators whose figure comes from the dossier counts (derived once, read on every report read). */
  countFed: Indicator[];
}

function compileOrThrow(indicators: IndicatorDef[], rules: RuleDef[]): CompiledTemplate {
  try {
    return compileTemplate(indicators, rules);
  } catch (error) {
    if (error instanceof TemplateError) throw new ProblemError('TEMPLATE_INVALID', error.message);
    throw error;
  }
}

/** Structure checks the schema cannot express: unique codes, parents before children, coded options. */
function checkStructure(indicators: NewIndicator[]): void {
  const seen = new Map<string, NewIndicator>();
  indicators.forEach((ind, index) => {
    const at = (message: string) =>
      new ProblemError('TEMPLATE_INVALID', `${ind.code}: ${message}`, { errors: [{ in: 'body', pointer: `/indicators/${index}`, message }] });
    if (seen.has(ind.code)) throw at('the code is used twice');
    if (ind.parentCode !== null) {
      const parent = seen.get(ind.parentCode);
      if (!parent) throw at(`the parent ${ind.parentCode} must come before it`);
      if (ind.level !== parent.level + 1) throw at(`level ${ind.level} under a parent of level ${parent.level}`);
    } else if (ind.level !== 1) throw at('only sections (level 1) have no parent');
    const coded = ind.valueType === 'boolean' || ind.valueType === 'choice';
    if (coded && !ind.options?.length) throw at(`a ${ind.valueType} needs its coded options`);
    if (!coded && ind.options?.length) throw at(`a ${ind.valueType} has no coded options`);
    if (
      ind.valueType === 'boolean' &&
      ind
        .options!.map((o) => o.value)
        .sort()
        .join() !== '0,1'
    )
      throw at('a boolean is coded 0 and 1');
    if (ind.formula && ind.valueType === 'section') throw at('a heading has no formula');
    if (ind.fromCounts && (ind.valueType !== 'integer' || ind.formula)) throw at('only a count (integer, not derived) comes from dossier counts');
    seen.set(ind.code, ind);
  });
}

function indicatorRow(templateId: string, ind: NewIndicator, position: number): repo.IndicatorInsert {
  return {
    templateId,
    code: ind.code,
    position,
    parentCode: ind.parentCode,
    level: ind.level,
    stt: ind.stt,
    name: ind.name,
    unit: ind.unit ?? null,
    valueType: ind.valueType,
    options: ind.options ?? null,
    min: ind.min ?? null,
    max: ind.max ?? null,
    decimals: ind.decimals ?? null,
    formula: ind.formula ?? null,
    overridable: ind.overridable ?? false,
    rollup: ind.rollup ?? (ind.formula ? 'recompute' : 'none'),
    heading: ind.heading ?? false,
    printed: ind.printed ?? true,
    help: ind.help ?? null,
    fromCounts: ind.fromCounts ?? null,
    searchKey: foldForSearch(`${ind.code} ${ind.name}`),
  };
}

export function createTemplateService(db: Db) {
  /** Compiled templates by id, valid while the template's updated_at is unchanged. */
  const cache = new Map<string, LoadedTemplate>();

  async function mustFind(tx: Tx, id: string) {
    const row = await repo.findTemplate(tx, id);
    if (!row) throw new ProblemError('TEMPLATE_NOT_FOUND', `No indicator template ${id}`);
    return row;
  }

  async function load(tx: Tx, id: string, updatedAt?: Date): Promise<LoadedTemplate> {
    const stamp = updatedAt ?? (await mustFind(tx, id)).updatedAt;
    const hit = cache.get(id);
    if (hit && hit.updatedAt === stamp.getTime()) return hit;
    const indicators = (await repo.templateIndicators(tx, id)).map(repo.toIndicator);
    const rules = (await repo.templateRulesOf(tx, id)).map(repo.toRule);
    const loaded = {
      id,
      updatedAt: stamp.getTime(),
      indicators,
      rules,
      compiled: compileOrThrow(indicators, rules),
      countFed: indicators.filter((i) => i.fromCounts),
    };
    cache.set(id, loaded);
    return loaded;
  }

  async function create(tx: Tx, actor: Actor, input: NewTemplate, copiedFrom: string | null = null): Promise<Template> {
    checkStructure(input.indicators);
    const rows = input.indicators.map((ind, i) => indicatorRow(input.id, ind, i));
    compileOrThrow(rows as IndicatorDef[], input.rules ?? []);
    if (await repo.findTemplate(tx, input.id)) throw new ProblemError('TEMPLATE_EXISTS', `A template ${input.id} exists`, { extra: { existingId: input.id } });
    const row = await repo.insertTemplate(tx, { id: input.id, name: input.name, year: input.year, source: input.source ?? null, copiedFrom });
    await repo.insertIndicators(tx, rows);
    await repo.insertRules(
      tx,
      (input.rules ?? []).map((r, position) => ({ ...r, templateId: input.id, position })),
    );
    const template = repo.toTemplate(row, { indicators: rows.length, rules: input.rules?.length ?? 0 });
    await recordAudit(tx, actor, { entity: 'template', entityId: input.id, action: copiedFrom ? 'copy' : 'create', after: template });
    return template;
  }

  return {
    /**
     * The template as formulas and rules see it; cached per process, refreshed when the template changes.
     * Inside a transaction pass it: PGlite has one connection, so a query beside the transaction would wait forever.
     */
    load: (id: string, tx: Tx = db, updatedAt?: Date) => load(tx, id, updatedAt),

    /** The compiled template if this process holds it at exactly this version (no query). */
    cached(id: string, updatedAt: number): LoadedTemplate | undefined {
      const hit = cache.get(id);
      return hit && hit.updatedAt === updatedAt ? hit : undefined;
    },

    async list(): Promise<Template[]> {
      return (await repo.listTemplates(db)).map(({ row, indicators, rules }) => repo.toTemplate(row, { indicators, rules }));
    },

    async get(id: string): Promise<Template> {
      const row = await mustFind(db, id);
      return repo.toTemplate(row, await repo.countsOf(db, id));
    },

    async indicators(id: string, filter: { section?: string | undefined; q?: string | undefined }): Promise<Indicator[]> {
      const { indicators } = await load(db, id);
      const q = filter.q ? foldForSearch(filter.q).split(' ').filter(Boolean) : [];
      return indicators.filter(
        (i) =>
          (!filter.section || i.code === filter.section || i.code.startsWith(`${filter.section}.`)) &&
          q.every((word) => foldForSearch(`${i.code} ${i.name}`).includes(word)),
      );
    },

    async indicator(id: string, code: string): Promise<Indicator> {
      const found = (await load(db, id)).indicators.find((i) => i.code === code);
      if (!found) throw new ProblemError('INDICATOR_NOT_FOUND', `Template ${id} has no indicator ${code}`);
      return found;
    },

    async rules(id: string): Promise<Rule[]> {
      return (await load(db, id)).rules;
    },

    create: (actor: Actor, input: NewTemplate) => db.transaction((tx) => create(tx, actor, input)),

    async copy(actor: Actor, sourceId: string, target: { id: string; year: number; name?: string | undefined }): Promise<Template> {
      return db.transaction(async (tx) => {
        const source = await mustFind(tx, sourceId);
        const { indicators, rules } = await load(tx, sourceId, source.updatedAt);
        return create(tx, actor, { id: target.id, year: target.year, name: target.name ?? source.name, source: source.source, indicators, rules }, sourceId);
      });
    },

    async update(
      actor: Actor,
      id: string,
      patch: { name?: string | undefined; year?: number | undefined; source?: string | null | undefined },
    ): Promise<Template> {
      return db.transaction(async (tx) => {
        const before = await mustFind(tx, id);
        const row = await repo.touchTemplate(tx, id, definedOnly(patch));
        const after = repo.toTemplate(row, await repo.countsOf(tx, id));
        await recordAudit(tx, actor, {
          entity: 'template',
          entityId: id,
          action: 'update',
          before: repo.toTemplate(before, await repo.countsOf(tx, id)),
          after,
        });
        return after;
      });
    },

    async updateIndicator(actor: Actor, id: string, code: string, patch: IndicatorPatch): Promise<Indicator> {
      return db.transaction(async (tx) => {
        const template = await mustFind(tx, id);
        const { indicators, rules } = await load(tx, id, template.updatedAt);
        const current = indicators.find((i) => i.code === code);
        if (!current) throw new ProblemError('INDICATOR_NOT_FOUND', `Template ${id} has no indicator ${code}`);
        const next = { ...current, ...definedOnly(patch) };
        // Options and bounds decide which stored values are valid; once values exist they may only widen.
        const narrows =
          (patch.options !== undefined && JSON.stringify(patch.options) !== JSON.stringify(current.options)) ||
          patch.min !== undefined ||
          patch.max !== undefined;
        if (narrows && (await repo.hasValues(tx, id, code))) {
          throw new ProblemError('TEMPLATE_IN_USE', `Values are reported for ${code}; copy the template to a new one to change its options or bounds`);
        }
        checkStructure(indicators.map((i) => (i.code === code ? next : i)));
        compileOrThrow(
          indicators.map((i) => (i.code === code ? next : i)),
          rules,
        );
        const row = await repo.updateIndicatorRow(tx, id, code, {
          name: next.name,
          unit: next.unit,
          options: next.options,
          min: next.min,
          max: next.max,
          decimals: next.decimals,
          formula: next.formula,
          overridable: next.overridable,
          rollup: next.rollup,
          help: next.help,
          fromCounts: next.fromCounts,
          searchKey: foldForSearch(`${code} ${next.name}`),
        });
        await repo.touchTemplate(tx, id);
        const after = repo.toIndicator(row);
        await recordAudit(tx, actor, { entity: 'indicator', entityId: `${id}/${code}`, action: 'update', before: current, after });
        return after;
      });
    },

    async putRule(actor: Actor, id: string, code: string, body: Omit<Rule, 'code'>): Promise<Rule> {
      return db.transaction(async (tx) => {
        const template = await mustFind(tx, id);
        const { indicators, rules } = await load(tx, id, template.updatedAt);
        const before = rules.find((r) => r.code === code);
        const rule = { ...body, code };
        compileOrThrow(indicators, [...rules.filter((r) => r.code !== code), rule]);
        const position = before ? rules.indexOf(before) : await repo.nextRulePosition(tx, id);
        const saved = repo.toRule(await repo.upsertRule(tx, { ...rule, templateId: id, position }));
        await repo.touchTemplate(tx, id);
        await recordAudit(tx, actor, { entity: 'rule', entityId: `${id}/${code}`, action: before ? 'update' : 'create', before, after: saved });
        return saved;
      });
    },

    async deleteRule(actor: Actor, id: string, code: string): Promise<void> {
      await db.transaction(async (tx) => {
        await mustFind(tx, id);
        const before = (await repo.templateRulesOf(tx, id)).find((r) => r.code === code);
        if (!before || !(await repo.deleteRule(tx, id, code))) throw new ProblemError('RULE_NOT_FOUND', `Template ${id} has no rule ${code}`);
        await repo.touchTemplate(tx, id);
        await recordAudit(tx, actor, { entity: 'rule', entityId: `${id}/${code}`, action: 'delete', before: repo.toRule(before) });
      });
    },
  };
}

export type TemplateService = ReturnType<typeof createTemplateService>;
