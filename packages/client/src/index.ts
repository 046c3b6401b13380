/**
 * The typed client for the CCHC reporting API. Types are generated from openapi/openapi.json
 * (openapi-typescript); requests go through openapi-fetch, so paths, parameters, bodies, results and
 * problem errors are all checked by the compiler. The helpers cover what openapi-fetch leaves to each caller:
 * retries, cursor pages, batched idempotent pushes and file bodies.
 */
export type { components, operations, paths } from './generated/openapi.js';
export type {
  Agency,
  ApiKey,
  Citation,
  Document,
  DocumentFile,
  DossierCount,
  ImportConflict,
  ImportConflictCode,
  ImportSummary,
  IngestConflict,
  IngestConflictCode,
  IngestSummary,
  Period,
  Problem,
  ProblemCode,
  Schemas,
} from './types.js';
export { createClient, type CchcClient, type ClientOptions } from './client.js';
export { HttpError, isProblem, ProblemError, unwrap } from './problem.js';
export { backoffMs, isRetryable, RETRY_DEFAULTS, retryAfterMs, retryingFetch, type FetchLike, type RetryOptions } from './retry.js';
export { paginate, type PageInit, type PageItem, type PaginatedPath } from './paginate.js';
export {
  batchKey,
  DEFAULT_BATCH_SIZE,
  MAX_BATCH_SIZE,
  pushDossierCounts,
  type BatchProgress,
  type PushOptions,
  type PushSummary,
} from './dossiers.js';
export {
  ANNEX_TYPES,
  announcedSha256,
  downloadDocumentFile,
  exportAnnex,
  importAnnex,
  IntegrityError,
  uploadDocumentFile,
  type AnnexFormat,
  type FileInput,
} from './binary.js';
export { sha256Hex } from './digest.js';
