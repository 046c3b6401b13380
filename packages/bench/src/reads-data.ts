/**
 * The data of the read benchmark, created through the API as any other system would: 100 units AG001…AG100 under
 * the seeded BQL-KCN, and the reference annex (137 values) for each of them in the seeded months 2024-M01…2024-M08
 * (template CCHC-2023), one `PUT /v1/values` per month.
 */
import { unwrap, type CchcClient } from '@cchc/client';
import { referenceAnnex } from './payload.js';

export const READ_AGENCIES = Array.from({ length: 100 }, (_, i) => `AG${String(i + 1).padStart(3, '0')}`);
export const READ_PERIODS = Array.from({ length: 8 }, (_, i) => `2024-M${String(i + 1).padStart(2, '0')}`);

/** Returns the number of values written. */
export async function createReadData(client: CchcClient): Promise<number> {
  for (const code of READ_AGENCIES) {
    await unwrap(client.POST('/v1/agencies', { body: { code, name: `Đơn vị đọc thử ${code}`, kind: 'unit', parentCode: 'BQL-KCN' } }));
  }
  const annex = referenceAnnex();
  let written = 0;
  for (const period of READ_PERIODS) {
    const values = READ_AGENCIES.flatMap((agency) => annex.map((row) => ({ period, agency, ...row })));
    const summary = await unwrap(client.PUT('/v1/values', { body: { values } }));
    if (summary.created !== values.length)
      throw new Error(`${period}: ${summary.created} of ${values.length} values created: ${JSON.stringify(summary).slice(0, 400)}`);
    written += summary.created;
  }
  return written;
}
