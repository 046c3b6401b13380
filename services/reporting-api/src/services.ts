/**
 * The one wiring point: every service of the application, built over one database. The app, the seed, the
 * scripts and the tests all build them here, so there is one template cache and one report reader per process.
 */
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { Database } from './db/connection.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createAgencyService } from './modules/agencies/service.js';
import { createApiKeyService } from './modules/api-keys/service.js';
import { createDocumentFileService } from './modules/documents/files.js';
import { createDocumentService } from './modules/documents/service.js';
import { createRollupRefresher } from './modules/dossiers/rollup-refresher.js';
import { createDossierService } from './modules/dossiers/service.js';
import { createPeriodService } from './modules/periods/service.js';
import { createProcedureService } from './modules/procedures/service.js';
import { createAnnexService } from './modules/reports/annex.js';
import { createReportReader } from './modules/reports/context.js';
import { createDashboardService } from './modules/reports/dashboards.js';
import { createEvidenceService } from './modules/reports/evidence.js';
import { createValueService } from './modules/reports/values.js';
import { createReportService } from './modules/reports/workflow.js';
import { createTemplateService } from './modules/templates/service.js';

export interface ServiceOptions {
  log?: FastifyBaseLogger;
  /** Statement timeout allowed to bulk imports inside their transactions, ms (0 = none). */
  bulkStatementTimeoutMs?: number;
  /** Where the services count what they commit; one is created (over this database) when absent. */
  metrics?: Metrics;
}

export function createServices(database: Database, options: ServiceOptions = {}) {
  const { db } = database;
  // The services count what they commit (values, ingested rows, transitions, findings); plugins/metrics.ts serves it.
  const metrics = options.metrics ?? createMetrics({ db });
  // Brings the dossier roll-up up to date off the request path: after each ingestion commits, and once at start.
  const dossierRollup = createRollupRefresher(database, { log: options.log ?? pino({ level: 'error' }) });
  const templates = createTemplateService(db);
  const reader = createReportReader(database, templates);
  const bulkStatementTimeoutMs = options.bulkStatementTimeoutMs;
  const values = createValueService(db, { templates, reader, metrics, bulkStatementTimeoutMs });
  const dashboards = createDashboardService(db, { templates, reader });
  return {
    agencies: createAgencyService(db),
    periods: createPeriodService(db),
    apiKeys: createApiKeyService(db),
    templates,
    reader,
    values,
    dashboards,
    reports: createReportService(db, { values, reader, metrics }),
    annex: createAnnexService(db, { values, dashboards, reader }),
    evidence: createEvidenceService(db, { reader }),
    procedures: createProcedureService(db),
    dossierRollup,
    dossiers: createDossierService(db, { afterCommit: () => dossierRollup.schedule(), metrics, bulkStatementTimeoutMs }),
    documents: createDocumentService(db),
    documentFiles: createDocumentFileService(db),
    metrics,
  };
}

export type Services = ReturnType<typeof createServices>;
