/**
 * Agencies (cơ quan, đơn vị) form one tree: the province at the top, departments and districts below it,
 * their units and communes below those. The service keeps the tree a tree (no cycles, parents exist and are
 * active) and records every change in the audit log in the same transaction.
 */
import type { Db } from '../../db/connection.js';
import { definedOnly } from '../../domain/patch.js';
import { ProblemError } from '../../errors.js';
import { DEFAULT_PAGE_LIMIT } from '../../schemas/common.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { fetchPage, mapPage, type CursorPage } from '../../schemas/paging.js';
import type { WriteContext } from '../../domain/actor.js';
import { recordAudit } from '../audit/repository.js';
import * as repo from './repository.js';
import type { Agency, AgencyListQuery, AgencyPatch, AgencyTreeNode, NewAgency } from './schemas.js';
import { requireAgency } from './lookup.js';
import { assertMayWriteFor } from './scope.js';

const isCodeCursor = (v: unknown): v is string => typeof v === 'string' && v.length <= 40;

export function createAgencyService(db: Db) {
  async function requireUsableParent(tx: Parameters<typeof repo.findAgency>[0], parentCode: string) {
    const parent = await repo.findAgency(tx, parentCode);
    if (!parent) {
      throw new ProblemError('AGENCY_PARENT_NOT_FOUND', `No agency has the code ${parentCode}`, {
        errors: [{ in: 'body', pointer: '/parentCode', message: 'no such agency' }],
      });
    }
    if (!parent.active) {
      throw new ProblemError('AGENCY_PARENT_INACTIVE', `The parent agency ${parentCode} is inactive`, {
        errors: [{ in: 'body', pointer: '/parentCode', message: 'inactive agency' }],
      });
    }
  }

  return {
    async get(code: string): Promise<Agency> {
      return repo.toAgency(await requireAgency(db, code));
    },

    async list(query: AgencyListQuery): Promise<CursorPage<Agency>> {
      const page = await fetchPage(
        query.limit ?? DEFAULT_PAGE_LIMIT,
        (limit) =>
          repo.listAgencies(db, {
            kind: query.kind,
            parent: query.parent === 'none' ? null : query.parent,
            q: query.q,
            active: query.active,
            afterCode: query.cursor ? decodeCursor(query.cursor, isCodeCursor) : undefined,
            limit,
          }),
        (last) => last.code,
      );
      return mapPage(page, repo.toAgency);
    },

    async subtree(code: string): Promise<{ root: string; items: AgencyTreeNode[] }> {
      await requireAgency(db, code);
      return { root: code, items: await repo.subtree(db, code) };
    },

    async create(ctx: WriteContext, input: NewAgency): Promise<Agency> {
      return db.transaction(async (tx) => {
        const parentCode = input.parentCode ?? null;
        if (parentCode === null) {
          if (ctx.principal?.role !== 'admin') throw new ProblemError('FORBIDDEN', 'Only an admin may create a top-level agency');
        } else {
          await requireUsableParent(tx, parentCode);
          await assertMayWriteFor(tx, ctx.principal, parentCode);
        }
        if (await repo.findAgency(tx, input.code)) {
          throw new ProblemError('AGENCY_EXISTS', `An agency with the code ${input.code} exists`, {
            errors: [{ in: 'body', pointer: '/code', message: 'already used' }],
          });
        }
        const row = await repo.insertAgency(tx, {
          code: input.code,
          name: input.name,
          shortName: input.shortName ?? null,
          kind: input.kind,
          parentCode,
          searchKey: repo.agencySearchKey(input),
        });
        const agency = repo.toAgency(row);
        await recordAudit(tx, ctx.actor, { entity: 'agency', entityId: agency.code, action: 'create', after: agency });
        return agency;
      });
    },

    async update(ctx: WriteContext, code: string, patch: AgencyPatch): Promise<Agency> {
      return db.transaction(async (tx) => {
        const reparenting = patch.parentCode !== undefined;
        if (reparenting) await repo.lockAgencyTree(tx);
        const current = await requireAgency(tx, code);
        // Moving or (de)activating an agency is for those above it: an agency key may not do it to itself.
        const movesOrToggles = (reparenting && patch.parentCode !== current.parentCode) || patch.active !== undefined;
        await assertMayWriteFor(tx, ctx.principal, code, { strictlyBelow: movesOrToggles });

        if (reparenting && patch.parentCode !== current.parentCode) {
          const parentCode = patch.parentCode ?? null;
          if (parentCode === null) {
            if (ctx.principal?.role !== 'admin') throw new ProblemError('FORBIDDEN', 'Only an admin may make an agency top-level');
          } else {
            await requireUsableParent(tx, parentCode);
            await assertMayWriteFor(tx, ctx.principal, parentCode);
            if (await repo.isWithinSubtree(tx, code, parentCode)) {
              throw new ProblemError('AGENCY_CYCLE', `${parentCode} is ${code} itself or lies below it, so it cannot be its parent`, {
                errors: [{ in: 'body', pointer: '/parentCode', message: 'would make a cycle' }],
              });
            }
          }
        }
        if (patch.active === false && current.active) await assertNoActiveChildren(tx, code);
        if (patch.active === true && !current.active && current.parentCode) {
          const parent = await repo.findAgency(tx, patch.parentCode ?? current.parentCode);
          if (parent && !parent.active) throw new ProblemError('AGENCY_PARENT_INACTIVE', `Reactivate the parent agency ${parent.code} first`);
        }

        const next = { ...current, ...definedOnly(patch) };
        const row = await repo.updateAgency(tx, code, {
          name: next.name,
          shortName: next.shortName,
          kind: next.kind,
          parentCode: next.parentCode,
          active: next.active,
          searchKey: repo.agencySearchKey(next),
        });
        const before = repo.toAgency(current);
        const after = repo.toAgency(row);
        await recordAudit(tx, ctx.actor, { entity: 'agency', entityId: code, action: 'update', before, after });
        return after;
      });
    },

    /** Deactivates the agency; with `cascade`, its whole subtree too. History and reports stay. */
    async deactivate(ctx: WriteContext, code: string, cascade: boolean): Promise<{ deactivated: Agency[] }> {
      return db.transaction(async (tx) => {
        await repo.lockAgencyTree(tx);
        await requireAgency(tx, code);
        await assertMayWriteFor(tx, ctx.principal, code, { strictlyBelow: true });
        const nodes = await repo.subtree(tx, code);
        const targets = cascade ? nodes.filter((n) => n.active).map((n) => n.code) : [code];
        if (!cascade) await assertNoActiveChildren(tx, code, nodes);
        const rows = await repo.setActive(tx, targets, false);
        const deactivated = rows.map(repo.toAgency).sort((a, b) => a.code.localeCompare(b.code));
        for (const agency of deactivated) {
          await recordAudit(tx, ctx.actor, {
            entity: 'agency',
            entityId: agency.code,
            action: 'deactivate',
            before: { active: true },
            after: { active: false },
          });
        }
        return { deactivated };
      });
    },
  };

  async function assertNoActiveChildren(tx: Parameters<typeof repo.subtree>[0], code: string, nodes?: AgencyTreeNode[]) {
    const tree = nodes ?? (await repo.subtree(tx, code));
    const active = tree.filter((n) => n.depth > 0 && n.active).map((n) => n.code);
    if (active.length > 0) {
      throw new ProblemError(
        'AGENCY_HAS_ACTIVE_CHILDREN',
        `${code} has active subordinate agencies (${active.slice(0, 10).join(', ')}${active.length > 10 ? ', …' : ''}); deactivate them first or pass cascade=true`,
        {
          extra: { activeDescendants: active },
        },
      );
    }
  }
}

export type AgencyService = ReturnType<typeof createAgencyService>;
