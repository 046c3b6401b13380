/**
 * Progress of a push, on stderr: a cli-progress bar (rows, rows/s, ETA) when stderr is a terminal, and one plain
 * line per batch otherwise, since a bar's carriage returns make unreadable logs in cron mail and CI output.
 */
import cliProgress from 'cli-progress';

export interface PushProgress {
  /** `done` rows were pushed by an earlier, interrupted run of the same push. */
  start(total: number, done: number, batches: number): void;
  batch(p: { index: number; batches: number; sent: number; replayed: boolean }): void;
  stop(): void;
}

function seconds(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.round(s)}s`;
}

/** Rows per second over this run only (rows of a resumed run's earlier batches were not sent now). */
function rateMeter() {
  let started = 0;
  let base = 0;
  return {
    start(done: number) {
      started = Date.now();
      base = done;
    },
    rate(sent: number): number {
      const elapsed = (Date.now() - started) / 1000;
      return elapsed > 0 ? (sent - base) / elapsed : 0;
    },
  };
}

function barProgress(stream: NodeJS.WriteStream): PushProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'Pushing |{bar}| {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | batch {batch}/{batches}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const meter = rateMeter();
  return {
    start(total, done, batches) {
      meter.start(done);
      bar.start(total, done, { rate: 0, batch: Math.ceil((done / total) * batches), batches });
    },
    batch(p) {
      bar.update(p.sent, { rate: Math.round(meter.rate(p.sent)), batch: p.index + 1, batches: p.batches });
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream): PushProgress {
  const meter = rateMeter();
  let total = 0;
  return {
    start(rows, done) {
      total = rows;
      meter.start(done);
    },
    batch(p) {
      const rate = meter.rate(p.sent);
      const eta = rate > 0 ? seconds((total - p.sent) / rate) : '?';
      const percent = total > 0 ? Math.floor((p.sent / total) * 100) : 100;
      const replayed = p.replayed ? ', replayed' : '';
      const done = `${p.sent}/${total} rows (${percent}%)`;
      stream.write(`batch ${p.index + 1}/${p.batches}: ${done}, ${Math.round(rate)} rows/s, ETA ${eta}${replayed}\n`);
    },
    stop() {},
  };
}

export function pushProgress(stream: NodeJS.WriteStream = process.stderr): PushProgress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}
