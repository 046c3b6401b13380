/**
 * The procedure catalogue (thủ tục hành chính): who resolves each procedure, how far it is online, whether it is
 * inter-agency or carries a fee, and when and by which document it was abolished. Abolished procedures stay in
 * the catalogue: past dossier counts refer to them.
 */
import type { Db, Tx } from '../../db/connection.js';
import { definedOnly } from '../../domain/patch.js';
import { ProblemError } from '../../errors.js';
import { DEFAULT_PAGE_LIMIT } from '../../schemas/common.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { fetchPage, mapPage, type CursorPage } from '../../schemas/paging.js';
import { findAgencies } from '../agencies/repository.js';
import type { Actor } from '../../domain/actor.js';
import { recordAudit } from '../audit/repository.js';
import * as repo from './repository.js';
import type { NewProcedure, Procedure, ProcedureListQuery, ProcedurePatch } from './schemas.js';

const isCodeCursor = (v: unknown): v is string => typeof v === 'string' && v.length <= 40;

type Fields = Omit<repo.ProcedureInsert, 'createdAt' | 'updatedAt' | 'searchKey'>;

function fieldsOf(input: NewProcedure): Fields {
  return {
    code: input.code,
    name: input.name,
    field: input.field,
    agencyCode: input.agencyCode ?? null,
    onlineLevel: input.onlineLevel,
    interAgency: input.interAgency ?? false,
    feeBearing: input.feeBearing ?? false,
    status: input.status ?? 'active',
    abolishedBy: input.abolishedBy ?? null,
    abolishedOn: input.abolishedOn ?? null,
    demo: input.demo ?? false,
  };
}

/** An abolished procedure has its date; an active one has neither date nor deciding document. */
function checkStatus(p: Pick<Fields, 'status' | 'abolishedOn' | 'abolishedBy'>, at = ''): void {
  if (p.status === 'abolished' && !p.abolishedOn) {
    throw new ProblemError('VALIDATION_FAILED', 'An abolished procedure needs abolishedOn', {
      errors: [{ in: 'body', pointer: `${at}/abolishedOn`, message: 'required when abolished' }],
    });
  }
  if (p.status !== 'abolished' && (p.abolishedOn || p.abolishedBy)) {
    throw new ProblemError('VALIDATION_FAILED', 'An active procedure has no abolishedOn or abolishedBy', {
      errors: [{ in: 'body', pointer: `${at}/status`, message: 'set status abolished, or clear abolishedOn and abolishedBy' }],
    });
  }
}

const same = (a: Fields, b: repo.ProcedureRow) => (Object.keys(a) as Array<keyof Fields>).every((k) => (a[k] ?? null) === (b[k] ?? null));

export function createProcedureService(db: Db) {
  async function requireAgencies(tx: Tx, codes: Array<string | null | undefined>, pointer: (i: number) => string) {
    const wanted = codes.map((c) => c ?? null);
    const found = await findAgencies(tx, [...new Set(wanted.filter((c): c is string => c !== null))]);
    const missing = wanted.flatMap((c, i) => (c !== null && !found.has(c) ? [i] : []));
    if (missing.length) {
      throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${[...new Set(missing.map((i) => wanted[i]))].join(', ')}`, {
        errors: missing.slice(0, 100).map((i) => ({ in: 'body', pointer: pointer(i), message: 'no such agency' })),
      });
    }
  }

  async function mustFind(tx: Tx, code: string) {
    const row = (await repo.findProcedures(tx, [code])).get(code);
    if (!row) throw new ProblemError('PROCEDURE_NOT_FOUND', `No procedure has the code ${code}`);
    return row;
  }

  return {
    async get(code: string): Promise<Procedure> {
      return repo.toProcedure(await mustFind(db, code));
    },

    async list(query: ProcedureListQuery): Promise<CursorPage<Procedure>> {
      const page = await fetchPage(
        query.limit ?? DEFAULT_PAGE_LIMIT,
        (limit) => repo.listProcedures(db, { ...query, afterCode: query.cursor ? decodeCursor(query.cursor, isCodeCursor) : undefined, limit }),
        (last) => last.code,
      );
      return mapPage(page, repo.toProcedure);
    },

    async create(actor: Actor, input: NewProcedure): Promise<Procedure> {
      const fields = fieldsOf(input);
      checkStatus(fields);
      return db.transaction(async (tx) => {
        await requireAgencies(tx, [fields.agencyCode], () => '/agencyCode');
        if ((await repo.findProcedures(tx, [fields.code])).size) {
          throw new ProblemError('PROCEDURE_EXISTS', `A procedure with the code ${fields.code} exists`, {
            extra: { existingId: fields.code },
            errors: [{ in: 'body', pointer: '/code', message: 'already used' }],
          });
        }
        await repo.insertProcedures(tx, [{ ...fields, searchKey: repo.procedureSearchKey(fields) }]);
        const created = repo.toProcedure(await mustFind(tx, fields.code));
        await recordAudit(tx, actor, { entity: 'procedure', entityId: fields.code, action: 'create', after: created });
        return created;
      });
    },

    async update(actor: Actor, code: string, patch: ProcedurePatch): Promise<Procedure> {
      return db.transaction(async (tx) => {
        const current = await mustFind(tx, code);
        const next = { ...current, ...definedOnly(patch) };
        // Reactivating clears the abolition.
        if (patch.status === 'active' && patch.abolishedOn === undefined && patch.abolishedBy === undefined)
          Object.assign(next, { abolishedOn: null, abolishedBy: null });
        checkStatus(next);
        if (patch.agencyCode !== undefined) await requireAgencies(tx, [patch.agencyCode], () => '/agencyCode');
        const row = await repo.updateProcedure(tx, code, {
          name: next.name,
          field: next.field,
          agencyCode: next.agencyCode,
          onlineLevel: next.onlineLevel,
          interAgency: next.interAgency,
          feeBearing: next.feeBearing,
          status: next.status,
          abolishedBy: next.abolishedBy,
          abolishedOn: next.abolishedOn,
          searchKey: repo.procedureSearchKey(next),
        });
        const after = repo.toProcedure(row);
        await recordAudit(tx, actor, { entity: 'procedure', entityId: code, action: 'update', before: repo.toProcedure(current), after });
        return after;
      });
    },

    /** Deleting is for mistakes; a procedure that dossier counts refer to is abolished instead (REFERENCE_CONFLICT). */
    async remove(actor: Actor, code: string): Promise<void> {
      await db.transaction(async (tx) => {
        const current = await mustFind(tx, code);
        await repo.deleteProcedure(tx, code);
        await recordAudit(tx, actor, { entity: 'procedure', entityId: code, action: 'delete', before: repo.toProcedure(current) });
      });
    },

    /** Creates or replaces many procedures at once (a catalogue import); one transaction, all or nothing. */
    async bulkUpsert(actor: Actor, inputs: NewProcedure[]): Promise<{ created: number; updated: number; unchanged: number }> {
      const all = inputs.map(fieldsOf);
      all.forEach((p, i) => checkStatus(p, `/procedures/${i}`));
      const dup = all.findIndex((p, i) => all.findIndex((q) => q.code === p.code) !== i);
      if (dup >= 0)
        throw new ProblemError('VALIDATION_FAILED', `The code ${all[dup]!.code} appears twice`, {
          errors: [{ in: 'body', pointer: `/procedures/${dup}/code`, message: 'duplicate code' }],
        });
      return db.transaction(async (tx) => {
        await requireAgencies(
          tx,
          all.map((p) => p.agencyCode),
          (i) => `/procedures/${i}/agencyCode`,
        );
        const existing = await repo.findProcedures(
          tx,
          all.map((p) => p.code),
        );
        const fresh = all.filter((p) => !existing.has(p.code));
        const changed = all.filter((p) => existing.has(p.code) && !same(p, existing.get(p.code)!));
        await repo.insertProcedures(
          tx,
          fresh.map((p) => ({ ...p, searchKey: repo.procedureSearchKey(p) })),
        );
        for (const p of changed) {
          const row = await repo.updateProcedure(tx, p.code, { ...p, searchKey: repo.procedureSearchKey(p) });
          await recordAudit(tx, actor, {
            entity: 'procedure',
            entityId: p.code,
            action: 'update',
            before: repo.toProcedure(existing.get(p.code)!),
            after: repo.toProcedure(row),
          });
        }
        for (const p of fresh) await recordAudit(tx, actor, { entity: 'procedure', entityId: p.code, action: 'create', after: p });
        return { created: fresh.length, updated: changed.length, unchanged: all.length - fresh.length - changed.length };
      });
    },
  };
}

export type ProcedureService = ReturnType<typeof createProcedureService>;
