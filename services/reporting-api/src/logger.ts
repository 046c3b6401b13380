/**
 * The service's logger settings: pino JSON lines with ISO-8601 times for machines (log shippers parse them as they
 * are), or pino-pretty's coloured lines for a person at a terminal. Secrets are redacted wherever they might appear.
 */
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import pino, { type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

const REDACT = { paths: ['req.headers.authorization', 'headers.authorization', 'secret'], censor: '[redacted]' };

export function loggerOptions(level: string, format: LogFormat = 'json'): NonNullable<Exclude<FastifyServerOptions['logger'], boolean>> {
  return {
    level,
    redact: REDACT,
    timestamp: pino.stdTimeFunctions.isoTime,
    // pino-pretty runs in a worker thread (pino's transport), so pretty printing never blocks the event loop.
    ...(format === 'pretty' && {
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true } },
    }),
  };
}

/**
 * One line per request, written when the answer has gone: method, route pattern, path, status, duration, the
 * problem code of a refusal, and who asked (the key's id and role, never its secret). Fastify's own pair of lines
 * (incoming, completed) says less in two lines; one grep on a request id or a key id now tells the whole story.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    // Built only when it will be written: at LOG_LEVEL=warn the hot path pays nothing for it. Without a logger
    // (logger: false) Fastify's stand-in has no isLevelEnabled, and writes nothing either.
    const log = request.log as Partial<Logger>;
    if (!error && status < 500 && !log.isLevelEnabled?.('info')) return;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: request.url.split('?')[0]!.slice(0, 300),
      status,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(request.problemCode && { code: request.problemCode }),
      keyId: request.principal?.keyId ?? null,
      role: request.principal?.role ?? null,
      ip: request.ip,
    };
    if (error) request.log.error({ ...line, err: error }, 'request errored');
    else if (status >= 500) request.log.warn(line, 'request answered');
    else request.log.info(line, 'request answered');
  }
}
