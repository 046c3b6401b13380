/**
 * Fastify options for the errors that happen before a route's own lifecycle (bad URLs, over-long path parameters,
 * malformed requests on the socket), so they too answer application/problem+json.
 */
import type { FastifyServerOptions } from 'fastify';

export const serverErrorOptions: Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> = {};
