/** A large, valid one-stop-shop export made of the seeded agencies and procedures: agencies × procedures × days. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The service's package exports its test helpers (test/helpers/app.ts); its seed/ is two folders up from there.
const seedDir = join(dirname(fileURLToPath(import.meta.resolve('@cchc/reporting-api/testing'))), '../../seed');

export function seededCodes(): { agencies: string[]; procedures: string[] } {
  const agencies = (JSON.parse(readFileSync(join(seedDir, 'agencies.json'), 'utf8')) as { agencies: Array<{ code: string }> }).agencies.map((a) => a.code);
  const procedures = (
    JSON.parse(readFileSync(join(seedDir, 'procedures/bql-kcn.json'), 'utf8')) as { procedures: Array<{ code: string; status?: string }> }
  ).procedures
    .filter((p) => p.status !== 'abolished')
    .map((p) => p.code);
  return { agencies, procedures };
}

// Bare "Quá hạn" twice: resolved late after "Đúng hạn", pending overdue after "Trong hạn".
const HEADER = [
  'Mã đơn vị',
  'Mã thủ tục',
  'Ngày',
  'Tiếp nhận mới',
  'Trực tuyến',
  'Trực tiếp',
  'BCCI',
  'Đã giải quyết',
  'Trước hạn',
  'Đúng hạn',
  'Quá hạn',
  'Đang giải quyết',
  'Trong hạn',
  'Quá hạn',
].join(';');
const two = (n: number) => String(n).padStart(2, '0');

/** `rows` lines (agency-major), dd/mm/yyyy days from 01/01/2023, `;` as Vietnamese Excel saves; valid identities. */
export function dossierCsv(rows: number): { csv: string; receivedNew: number; days: { from: string; to: string } } {
  const { agencies, procedures } = seededCodes();
  const perAgency = Math.ceil(rows / agencies.length);
  const dayCount = Math.ceil(perAgency / procedures.length);
  const lines = [HEADER];
  let receivedNew = 0;
  let last = '';
  outer: for (let a = 0; a < agencies.length; a++) {
    for (let p = 0; p < procedures.length; p++) {
      for (let d = 0; d < dayCount; d++) {
        if (lines.length > rows) break outer;
        const day = new Date(Date.UTC(2023, 0, 1 + d));
        const shown = `${two(day.getUTCDate())}/${two(day.getUTCMonth() + 1)}/${day.getUTCFullYear()}`;
        last = day.toISOString().slice(0, 10);
        const received = (a + p + d) % 7;
        const online = Math.floor(received / 2);
        const postal = d % 5 === 0 && received - online > 0 ? 1 : 0;
        const pending = received % 2;
        const resolved = received - pending;
        const late = resolved > 3 ? 1 : 0;
        const onTime = Math.floor((resolved - late) / 2);
        const early = resolved - late - onTime;
        receivedNew += received;
        lines.push(
          [agencies[a], procedures[p], shown, received, online, received - online - postal, postal, resolved, early, onTime, late, pending, pending, 0].join(
            ';',
          ),
        );
      }
    }
  }
  return { csv: `${lines.join('\r\n')}\r\n`, receivedNew, days: { from: '2023-01-01', to: last } };
}
