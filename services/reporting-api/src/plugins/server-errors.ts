/**
 * Fastify options for the errors that happen before a route's own lifecycle (bad URLs, over-long path parameters,
 * malformed requests on the socket), so they too answer application/problem+json with a stable code and an
 * x-request-id, like every other failure (problems.ts).
 *
 * - frameworkErrors: Fastify's router refuses the URL (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) or an async
 *   constraint fails. Fastify builds a request and a reply for these but runs no hooks and no error handler, so
 *   the answer sets x-request-id itself (sendProblem does) and echoes no more than a clipped path.
 * - clientErrorHandler: node's HTTP parser refuses the bytes on the socket (too-large headers, a malformed request
 *   line, a request that does not arrive in time). There is no request object; the answer is written to the socket
 *   as a complete HTTP/1.1 response, with a request id made here, and the connection is closed. Mirrors Fastify's
 *   defaultClientErrorHandler (fastify.js) and node's own (lib/_http_server.js, socketOnError).
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import { PROBLEMS, type ProblemCode } from '../errors.js';
import { problemBody, sendProblem, toProblem } from './problems.js';

/** What a client error on the socket answers, by node's error code; any other parser error (HPE_*) is a 400. */
const SOCKET_PROBLEMS: Record<string, { code: ProblemCode; detail: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', detail: 'The request line and headers are larger than the service accepts (16 KiB)' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { code: 'PAYLOAD_TOO_LARGE', detail: 'The chunk extensions of the body are larger than the service accepts' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'CLIENT_TIMEOUT', detail: 'The request was not received in time' },
  ERR_HTTP_HEADERS_TIMEOUT: { code: 'CLIENT_TIMEOUT', detail: 'The request headers were not received in time' },
};

const MALFORMED: { code: ProblemCode; detail: string } = { code: 'MALFORMED_REQUEST', detail: 'The request is not well-formed HTTP/1.1' };

/** Errors of the connection itself, not of what was sent on it: there is no one to answer. */
const CONNECTION_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

/** The complete HTTP/1.1 response of a problem on a raw socket; closes the connection. */
export function rawProblemResponse(code: ProblemCode, detail: string, requestId: string): string {
  const { status } = PROBLEMS[code];
  const body = JSON.stringify(problemBody({ code, detail }, requestId));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Sockets already answered: the parser fails again on every later chunk, and those errors are not new. */
const answered = new WeakSet<Socket>();

/** How long an answered connection may stay open for the client to read the answer and close its side. */
const LINGER_MS = 2000;

function clientErrorHandler(this: { log?: FastifyBaseLogger } | undefined, error: ConnectionError, socket: Socket): void {
  if (answered.has(socket)) return;
  if (CONNECTION_GONE.has(error.code) || socket.destroyed) {
    socket.destroy();
    return;
  }
  const problem = SOCKET_PROBLEMS[error.code] ?? MALFORMED;
  const requestId = randomUUID();
  this?.log?.info({ reqId: requestId, code: problem.code, err: { code: error.code, message: error.message } }, 'client error');
  // A response of this connection may be on its way already (pipelining, keep-alive): then there is nothing to add.
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  // A lingering close: the answer goes out with a FIN, and the socket is destroyed once the client closes its side
  // or after LINGER_MS. Destroying it at once, with the rest of an over-long request still unread, would make the
  // kernel answer RST and the client could lose the answer.
  socket.end(rawProblemResponse(problem.code, problem.detail, requestId));
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}

export const serverErrorOptions: Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> = {
  frameworkErrors(error, request, reply) {
    const problem = toProblem(error);
    if (PROBLEMS[problem.code].status >= 500) request.log.error({ err: error }, 'request failed before routing');
    else request.log.info({ code: problem.code, detail: problem.detail }, 'request refused');
    sendProblem(request, reply, problem);
  },
  clientErrorHandler,
};
