/**
 * Reporting periods: created from their id with the Nghị định 09/2019 window computed, or with an
 * overridden window (the reference report itself says 15/12/2022–15/12/2023). The window and deadline are
 * stored, so later changes to the rule never move an existing period.
 */
import type { Db, Tx } from '../../db/connection.js';
import { cutOffWindow, defaultDueOn, parsePeriodId, periodsOfYear, type PeriodRef } from '../../domain/periods.js';
import { ProblemError } from '../../errors.js';
import { DEFAULT_PAGE_LIMIT } from '../../schemas/common.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { fetchPage, mapPage, type CursorPage } from '../../schemas/paging.js';
import type { Actor } from '../../domain/actor.js';
import { recordAudit } from '../audit/repository.js';
import { findTemplate } from '../templates/repository.js';
import { requirePeriod } from './lookup.js';
import * as repo from './repository.js';
import type { NewPeriod, Period, PeriodListQuery, PeriodPatch } from './schemas.js';

const isIdCursor = (v: unknown): v is string => typeof v === 'string' && v.length <= 10;

function parseOrThrow(id: string): PeriodRef {
  const ref = parsePeriodId(id);
  if (!ref) {
    throw new ProblemError(
      'PERIOD_ID_INVALID',
      `${JSON.stringify(id)} is not a reporting period id (YYYY, YYYY-H1, YYYY-9M, YYYY-Q1..Q4, YYYY-M01..M12, years 2000–2100)`,
      {
        errors: [{ in: 'body', pointer: '/id', message: 'not a period id' }],
      },
    );
  }
  return ref;
}

/** A window must not end before it starts, and a deadline cannot fall before the window opens. */
function checkDates(p: { startsOn: string; endsOn: string; dueOn: string }): void {
  if (p.endsOn < p.startsOn) {
    throw new ProblemError('PERIOD_WINDOW_INVALID', `The window ends on ${p.endsOn}, before it starts on ${p.startsOn}`, {
      errors: [{ in: 'body', pointer: '/endsOn', message: 'before startsOn' }],
    });
  }
  if (p.dueOn < p.startsOn) {
    throw new ProblemError('PERIOD_WINDOW_INVALID', `The deadline ${p.dueOn} falls before the window starts on ${p.startsOn}`, {
      errors: [{ in: 'body', pointer: '/dueOn', message: 'before startsOn' }],
    });
  }
}

/** The row for a new period: computed window and deadline, each overridable. */
export function newPeriodRow(ref: PeriodRef, overrides: Omit<NewPeriod, 'id'> = {}): repo.PeriodInsert {
  const window = cutOffWindow(ref);
  const startsOn = overrides.startsOn ?? window.startsOn;
  const endsOn = overrides.endsOn ?? window.endsOn;
  const dueOn = overrides.dueOn ?? defaultDueOn({ startsOn, endsOn });
  checkDates({ startsOn, endsOn, dueOn });
  return {
    id: ref.id,
    kind: ref.kind,
    year: ref.year,
    number: ref.number ?? null,
    startsOn,
    endsOn,
    dueOn,
    state: overrides.state ?? 'open',
    templateId: overrides.templateId ?? null,
  };
}

async function requireTemplate(tx: Tx, templateId: string | null | undefined): Promise<void> {
  if (templateId && !(await findTemplate(tx, templateId))) {
    throw new ProblemError('TEMPLATE_NOT_FOUND', `No indicator template ${templateId}`, {
      errors: [{ in: 'body', pointer: '/templateId', message: 'no such template' }],
    });
  }
}

export function createPeriodService(db: Db) {
  return {
    async get(id: string): Promise<Period> {
      return repo.toPeriod(await requirePeriod(db, id));
    },

    async list(query: PeriodListQuery): Promise<CursorPage<Period>> {
      const page = await fetchPage(
        query.limit ?? DEFAULT_PAGE_LIMIT,
        (limit) =>
          repo.listPeriods(db, {
            year: query.year,
            kind: query.kind,
            state: query.state,
            afterId: query.cursor ? decodeCursor(query.cursor, isIdCursor) : undefined,
            limit,
          }),
        (last) => last.id,
      );
      return mapPage(page, repo.toPeriod);
    },

    async containing(kind: Period['kind'], isoDay: string): Promise<Period> {
      const row = await repo.findContaining(db, kind, isoDay);
      if (!row) throw new ProblemError('PERIOD_NOT_FOUND', `No ${kind} period contains ${isoDay}`);
      return repo.toPeriod(row);
    },

    async create(actor: Actor, input: NewPeriod): Promise<Period> {
      const { id, ...overrides } = input;
      const values = newPeriodRow(parseOrThrow(id), overrides);
      return db.transaction(async (tx) => {
        await requireTemplate(tx, values.templateId);
        const [row] = await repo.insertPeriods(tx, [values]);
        if (!row) throw new ProblemError('PERIOD_EXISTS', `The reporting period ${id} exists`, { extra: { existingId: id } });
        const period = repo.toPeriod(row);
        await recordAudit(tx, actor, { entity: 'period', entityId: id, action: 'create', after: period });
        return period;
      });
    },

    /** Creates every period of a year that does not exist yet; leaves existing ones untouched. */
    async generateYear(actor: Actor, year: number, templateId?: string): Promise<{ created: string[]; existing: string[] }> {
      const rows = periodsOfYear(year).map((ref) => newPeriodRow(ref, { templateId: templateId ?? null }));
      return db.transaction(async (tx) => {
        await requireTemplate(tx, templateId);
        const inserted = await repo.insertPeriods(tx, rows);
        const created = new Set(inserted.map((r) => r.id));
        for (const row of inserted) {
          await recordAudit(tx, actor, { entity: 'period', entityId: row.id, action: 'create', after: repo.toPeriod(row) });
        }
        return { created: rows.filter((r) => created.has(r.id)).map((r) => r.id), existing: rows.filter((r) => !created.has(r.id)).map((r) => r.id) };
      });
    },

    async update(actor: Actor, id: string, patch: PeriodPatch): Promise<Period> {
      return db.transaction(async (tx) => {
        const current = await requirePeriod(tx, id);
        // A locked period is frozen: the only change it takes is a state change (reopening or closing it).
        const changesDates = patch.startsOn !== undefined || patch.endsOn !== undefined || patch.dueOn !== undefined;
        if (current.state === 'locked' && changesDates && (patch.state === undefined || patch.state === 'locked')) {
          throw new ProblemError('PERIOD_LOCKED', `The reporting period ${id} is locked; reopen it before changing its dates`);
        }
        const next = {
          startsOn: patch.startsOn ?? current.startsOn,
          endsOn: patch.endsOn ?? current.endsOn,
          dueOn: patch.dueOn ?? current.dueOn,
          state: patch.state ?? current.state,
          templateId: patch.templateId === undefined ? current.templateId : patch.templateId,
        };
        checkDates(next);
        if (next.templateId !== current.templateId) {
          if (current.state === 'locked' && next.state === 'locked')
            throw new ProblemError('PERIOD_LOCKED', `The reporting period ${id} is locked; reopen it before changing its template`);
          await requireTemplate(tx, next.templateId);
          if (await repo.periodHasValues(tx, id)) {
            throw new ProblemError('TEMPLATE_IN_USE', `Values are reported for ${id} on template ${current.templateId}; its template can no longer change`);
          }
        }
        const row = await repo.updatePeriod(tx, id, next);
        const before = repo.toPeriod(current);
        const after = repo.toPeriod(row);
        const action =
          patch.state && patch.state !== current.state ? (patch.state === 'open' ? 'reopen' : patch.state === 'closed' ? 'close' : 'lock') : 'update';
        await recordAudit(tx, actor, { entity: 'period', entityId: id, action, before, after });
        return after;
      });
    },

    async remove(actor: Actor, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const current = await requirePeriod(tx, id);
        if (current.state === 'locked') throw new ProblemError('PERIOD_LOCKED', `The reporting period ${id} is locked and cannot be deleted`);
        await repo.deletePeriod(tx, id);
        await recordAudit(tx, actor, { entity: 'period', entityId: id, action: 'delete', before: repo.toPeriod(current) });
      });
    },
  };
}

export type PeriodService = ReturnType<typeof createPeriodService>;
