/**
 * Browser tests: Debian's chromium driven by playwright-core (no browser download), and tiny static page
 * servers on loopback so a page can live on an origin of its own (http://127.0.0.1:<another port>).
 * Chromium missing: in CI (CI=true) the test fails with a message saying how to install it; locally the
 * browser tests are skipped with that message.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** No sandbox (root in a container), no GPU, and none of the background traffic a closed network stalls on. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserTestContext {
  teardown(fn: () => unknown): void;
  fail(message: string): unknown;
  comment(...message: unknown[]): unknown;
}

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/**
 * False when chromium is there; otherwise the reason, for a subtest's `skip` option. In CI it also fails `t`,
 * so a machine without the browser cannot pass by skipping.
 */
export function chromiumMissing(t: BrowserTestContext): string | false {
  if (existsSync(CHROMIUM_PATH)) return false;
  const reason = `chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium; .ci/run does it) or set CHROMIUM_PATH`;
  if (inCI) t.fail(`${reason} (CI=true: browser tests must run, not be skipped)`);
  else t.comment(`skipping browser tests: ${reason}`);
  return reason;
}

/** A headless chromium, closed at the end of `t`. */
export async function launchChromium(t: BrowserTestContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  t.teardown(() => browser.close());
  return browser;
}

export interface PageLog {
  /** Console messages as `type: text` (CORS refusals arrive here as errors). */
  console: string[];
  /** Uncaught exceptions in the page. */
  errors: string[];
}

/** A page in a fresh context (no shared storage or cache), closed at the end of `t`, with its console kept. */
export async function openPage(t: BrowserTestContext, browser: Browser): Promise<{ page: Page; log: PageLog }> {
  const context = await browser.newContext();
  t.teardown(() => context.close());
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const log: PageLog = { console: [], errors: [] };
  page.on('console', (message) => log.console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => log.errors.push(String(error)));
  return { page, log };
}

export type PageHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Keeps the browser's favicon request from logging a 404 in the console. */
const noContent: PageHandler = (_request, response) => void response.writeHead(204).end();

export interface PageServer {
  /** e.g. http://127.0.0.1:41234 — what the browser sends as Origin. */
  origin: string;
  url(path: string, query?: Record<string, string>): string;
}

/**
 * A node:http server on a free loopback port serving `pages` (path → HTML), 404 otherwise; closed at the end
 * of `t`. A function gets the request and answers it itself.
 */
export async function servePages(t: BrowserTestContext, pages: Record<string, string | PageHandler>): Promise<PageServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const page = pages[path] ?? (path === '/favicon.ico' ? noContent : undefined);
    if (typeof page === 'function') return page(request, response);
    if (page === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url(path, query) {
      const url = new URL(path, origin);
      for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
      return url.toString();
    },
  };
}

/** Listens the app on a free loopback port; its base URL (the app is closed by buildTestApp's teardown). */
export async function listen(app: { listen(options: { port: number; host: string }): Promise<string> }): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}
