/**
 * The OpenAPI document, built from the routes' TypeBox schemas (one source of truth), and Swagger UI at
 * /docs with a working Authorize button for bearer keys. Shared schemas registered with addSchema become
 * named components: buildLocalReference names them by their $id instead of def-N.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const API_VERSION = '0.1.0';

export default fp(async function openapi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CCHC reporting API',
        version: API_VERSION,
        description:
          'Periodic administrative-reform (cải cách hành chính) reporting for the province: reporting periods, agencies, ' +
          'indicators and their values, dossier counts and cited documents. Every error is application/problem+json with a stable `code`.',
      },
      tags: [
        { name: 'agencies', description: 'Reporting agencies (cơ quan, đơn vị) in a tree' },
        { name: 'periods', description: 'Reporting periods (kỳ báo cáo) and their cut-off windows (Nghị định 09/2019)' },
        { name: 'templates', description: 'Indicator templates (biểu mẫu chỉ tiêu thống kê): indicators, formulas, rules' },
        { name: 'values', description: 'Indicator values per agency and period: submission, findings, audit trail' },
        { name: 'reports', description: 'Reports: submission workflow, completeness and timeliness, the annex as CSV and XLSX' },
        { name: 'procedures', description: 'The catalogue of administrative procedures (thủ tục hành chính)' },
        { name: 'dossiers', description: 'Dossier counts pushed by one-stop-shop systems, and their statistics' },
        { name: 'dashboards', description: 'Reads for dashboards: values, roll-ups over the agency tree, time series' },
        { name: 'api-keys', description: 'API keys and their roles' },
        { name: 'audit', description: 'Who changed what' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
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
}, { name: 'openapi' });
