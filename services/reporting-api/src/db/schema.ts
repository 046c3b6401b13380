/**
 * The one Drizzle schema, for PostgreSQL and PGlite alike. Columns are snake_case; repositories map rows
 * to the API's camelCase shapes. drizzle-kit generates migrations/ from this file.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, date, index, integer, jsonb, pgTable, text, timestamp, uuid, bigserial, uniqueIndex } from 'drizzle-orm/pg-core';

export const agencies = pgTable(
  'agencies',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    shortName: text('short_name'),
    kind: text('kind', { enum: ['province', 'department', 'district', 'commune', 'unit'] }).notNull(),
    parentCode: text('parent_code').references((): any => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    active: boolean('active').notNull().default(true),
    /** foldForSearch(name + shortName + code): diacritic- and case-insensitive search. */
    searchKey: text('search_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('agencies_parent_idx').on(t.parentCode),
    check('agencies_kind_check', sql`${t.kind} in ('province','department','district','commune','unit')`),
    check('agencies_not_own_parent', sql`${t.parentCode} is distinct from ${t.code}`),
  ],
);

export const periods = pgTable(
  'periods',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['month', 'quarter', 'half-year', 'nine-months', 'year'] }).notNull(),
    year: integer('year').notNull(),
    number: integer('number'),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    state: text('state', { enum: ['open', 'closed', 'locked'] }).notNull().default('open'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('periods_kind_window_idx').on(t.kind, t.startsOn, t.endsOn),
    index('periods_year_idx').on(t.year),
    check('periods_window_check', sql`${t.startsOn} <= ${t.endsOn}`),
    check('periods_state_check', sql`${t.state} in ('open','closed','locked')`),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'agency', 'ingest', 'reader'] }).notNull(),
    agencyCode: text('agency_code').references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    /** SHA-256 of the whole key. Keys carry 256 random bits, so a fast unsalted hash is safe and lets us look them up. */
    keyHash: text('key_hash').notNull(),
    /** The first characters of the key, shown in lists so an admin can tell keys apart. */
    prefix: text('prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid('created_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_keys_hash_idx').on(t.keyHash),
    check('api_keys_agency_binding', sql`(${t.role} = 'agency') = (${t.agencyCode} is not null)`),
  ],
);

/** Who changed what: one row per create, update or delete, written in the same transaction as the change. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKeyId: uuid('actor_key_id'),
    requestId: text('request_id'),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    action: text('action').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [index('audit_log_entity_idx').on(t.entity, t.entityId, t.id)],
);
