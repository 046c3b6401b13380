import type { FastifyReply } from 'fastify';
import { READER_CACHE } from '../../schemas/common.js';

/**
 * Answers a version-stamped read: its ETag and Cache-Control always, then 304 with no body when If-None-Match
 * named the current version, else the body.
 */
export function answerConditional<T>(reply: FastifyReply, read: { notModified: true; etag: string } | { notModified: false; etag: string; body: T }) {
  reply.header('etag', read.etag).header('cache-control', READER_CACHE);
  return read.notModified ? reply.code(304).send(null) : read.body;
}
