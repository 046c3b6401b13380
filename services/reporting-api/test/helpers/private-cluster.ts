/**
 * A private PostgreSQL cluster for one test: initdb in a fresh temporary folder, trust authentication, listening on a
 * free loopback port with its socket in that folder. Tests that stop, crash and restart a database use it, so the
 * shared server (5432) is never touched.
 *
 * initdb and postgres refuse to run as root. CI runs as root, so there the binaries run as the `postgres` OS user
 * (runuser, else su) and the folder is given to that user; as any other user they run directly.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.js';

const run = promisify(execFile);

/** The folder of the newest installed PostgreSQL's binaries (PG_BIN overrides), or undefined when there is none. */
export function findPostgresBin(): string | undefined {
  const given = process.env.PG_BIN;
  if (given) return existsSync(join(given, 'initdb')) ? given : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** Why private-cluster tests cannot run here, or undefined when they can. */
export function privateClusterUnavailable(): string | undefined {
  return findPostgresBin()
    ? undefined
    : 'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; set PG_BIN to their folder to run this test';
}

export interface PrivateCluster {
  readonly port: number;
  /** The cluster's folder (data/, the socket, the server log). */
  readonly dir: string;
  /** postgres://postgres@127.0.0.1:port/db */
  url(db?: string): string;
  /** pg_ctl start -w: resolves once the server accepts connections. */
  start(): Promise<void>;
  /** A fast, clean shutdown (pg_ctl stop -m fast). */
  stop(): Promise<void>;
  /** A crash: pg_ctl stop -m immediate (every backend killed, no checkpoint; the next start recovers). */
  crash(): Promise<void>;
  /** The server log so far (for failure messages). */
  log(): Promise<string>;
  /** Stops the server if it runs and removes the folder. Idempotent. */
  destroy(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]).catch(() => {
    throw new Error(`running as root, the private cluster needs the "${user}" OS user (initdb and postgres refuse root), and there is none`);
  });
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

export async function createPrivateCluster(options: { osUser?: string } = {}): Promise<PrivateCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(privateClusterUnavailable());
  const osUser = options.osUser ?? 'postgres';
  const asRoot = isRoot();
  const owner = asRoot ? await uidOf(osUser) : undefined;
  const runuser = existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser') || existsSync('/usr/bin/runuser');

  /** Runs a PostgreSQL binary as the cluster's owner. */
  async function pg(tool: string, args: string[], timeoutMs = 60_000): Promise<string> {
    const exe = join(bin!, tool);
    const [file, argv] = !asRoot
      ? [exe, args]
      : runuser
        ? ['runuser', ['-u', osUser, '--', exe, ...args]]
        : ['su', [osUser, '-s', '/bin/sh', '-c', [exe, ...args].map(shellQuote).join(' ')]];
    try {
      const { stdout, stderr } = await run(file, argv, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } });
      return stdout + stderr;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
    }
  }

  const dir = await mkdtemp(join(tmpdir(), 'cchc-pg-'));
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  let running = false;
  let destroyed = false;

  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  // Appending keeps the file's owner.
  await appendFile(
    join(data, 'postgresql.conf'),
    [
      '',
      '# private test cluster',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      // Speed without lying to clients: a crash here is a killed server, not a lost OS, so unflushed WAL in the
      // kernel survives; synchronous_commit stays on, or acknowledged commits would be lost by crash().
      'fsync = off',
      'full_page_writes = off',
      'max_connections = 100',
      "log_min_messages = 'warning'",
      '',
    ].join('\n'),
  );

  const cluster: PrivateCluster = {
    port,
    dir,
    url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`,
    async start() {
      await pg('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', logFile]);
      running = true;
    },
    async stop() {
      await pg('pg_ctl', ['stop', '-D', data, '-w', '-t', '60', '-m', 'fast']);
      running = false;
    },
    async crash() {
      await pg('pg_ctl', ['stop', '-D', data, '-w', '-t', '60', '-m', 'immediate']);
      running = false;
    },
    async log() {
      return readFile(logFile, 'utf8').catch(() => '');
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      // Stop whatever runs on this folder, even if a test lost track (status exits 3 when nothing runs).
      if (running || existsSync(join(data, 'postmaster.pid'))) await pg('pg_ctl', ['stop', '-D', data, '-w', '-t', '30', '-m', 'immediate']).catch(() => {});
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
