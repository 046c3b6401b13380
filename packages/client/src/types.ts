/** Names for the generated schema types that callers use most; all come from openapi/openapi.json. */
import type { components } from './generated/openapi.js';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type Agency = Schemas['Agency'];
export type Period = Schemas['Period'];
export type ApiKey = Schemas['ApiKey'];
export type Document = Schemas['Document'];
export type DocumentFile = Schemas['DocumentFile'];
export type Citation = Schemas['Citation'];
export type DossierCount = Schemas['DossierCount'];
export type IngestSummary = Schemas['IngestSummary'];
export type IngestConflict = Schemas['IngestConflict'];
export type ImportSummary = Schemas['ImportSummary'];
export type ImportConflict = Schemas['Conflict'];

/**
 * The stable codes of problem answers. The document declares them as an enum, so this is a union of literals and a
 * `switch (e.code)` can be checked for exhaustiveness; against a document without the enum it is `string`.
 */
export type ProblemCode = Problem['code'];
/** Why one pushed dossier row was refused (IngestSummary.conflicts[].code). */
export type IngestConflictCode = IngestConflict['code'];
/** Why one submitted or imported value was refused (ImportSummary.conflicts[].code). */
export type ImportConflictCode = ImportConflict['code'];
