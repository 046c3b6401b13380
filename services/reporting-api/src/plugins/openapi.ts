/**
 * The OpenAPI document, built from the routes' TypeBox schemas (one source of truth), and Swagger UI at
 * /docs with a working Authorize button for bearer keys. Shared schemas registered with addSchema become
 * named components: buildLocalReference names them by their $id instead of def-N.
 *
 * The document is checked in CI by the linters other teams run (redocly's recommended rules and spectral's
 * oas ruleset), so everything they ask for is declared here once rather than per route: servers, every tag with
 * a description, contact and licence, and the answers any route may give besides its own (429, 503).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { problemResponses } from '../schemas/common.js';

export const API_VERSION = '0.1.0';

export const TAGS = [
  { name: 'agencies', description: 'Reporting agencies (cơ quan, đơn vị) in a tree' },
  { name: 'periods', description: 'Reporting periods (kỳ báo cáo) and their cut-off windows (Nghị định 09/2019)' },
  { name: 'templates', description: 'Indicator templates (biểu mẫu chỉ tiêu thống kê): indicators, formulas, rules' },
  { name: 'values', description: 'Indicator values per agency and period: submission, findings, audit trail' },
  { name: 'reports', description: 'Reports: submission workflow, completeness and timeliness, the annex as CSV and XLSX' },
  { name: 'procedures', description: 'The catalogue of administrative procedures (thủ tục hành chính)' },
  { name: 'dossiers', description: 'Dossier counts pushed by one-stop-shop systems, and their statistics' },
  { name: 'documents', description: 'Documents reports cite (văn bản): registry, files, citation extraction, evidence' },
  { name: 'dashboards', description: 'Reads for dashboards: values, roll-ups over the agency tree, time series' },
  { name: 'api-keys', description: 'API keys and their roles' },
  { name: 'audit', description: 'Who changed what' },
  { name: 'health', description: 'Liveness and readiness' },
];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route never touches the database, so it cannot answer 503 (liveness). */
    databaseFree?: boolean;
  }
}

export default fp(
  async function openapi(app: FastifyInstance) {
    // Every route may be rate-limited (unless it opts out) and may meet a database outage (unless it uses none).
    app.addHook('onRoute', (route) => {
      if (!route.schema || (route.schema as { hide?: boolean }).hide) return;
      const schema = route.schema as { response?: Record<string, unknown> };
      const statuses = [...(route.config?.rateLimit === false ? [] : [429]), ...(route.config?.databaseFree ? [] : [503])];
      schema.response = { ...problemResponses(...statuses), ...schema.response };
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'CCHC reporting API',
          version: API_VERSION,
          description:
            'Periodic administrative-reform (cải cách hành chính) reporting for the province: reporting periods, agencies, ' +
            'indicators and their values, dossier counts and cited documents. Every error is application/problem+json with a stable `code`.',
          contact: { name: 'CCHC reporting service maintainers (Sở Nội vụ)' },
          license: { name: 'Proprietary: for the province’s administrative-reform reporting', identifier: 'LicenseRef-Proprietary' },
        },
        // Relative: the document is served by the service itself, so "Try it out" calls the host that served it.
        servers: [{ url: '/', description: 'This service, where this document is served from' }],
        tags: TAGS,
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer cchc_…' } },
        },
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { persistAuthorization: true, docExpansion: 'list', deepLinking: true, displayOperationId: true },
    });
  },
  { name: 'openapi' },
);
