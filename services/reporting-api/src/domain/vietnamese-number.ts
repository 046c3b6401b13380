/**
 * Numbers as Vietnamese reports write them: a dot groups thousands and a comma marks decimals ("1.473" is one
 * thousand four hundred seventy-three, "98,9%" is 98.9 percent), leading zeros are common ("03"), and a count may
 * carry a qualifier in parentheses ("21 (lượt người)"). Pure functions, no I/O.
 */

/** Writes a number the Vietnamese way: 1473 → "1.473", 98.9 → "98,9", -0.5 → "-0,5". */
export function formatViNumber(value: number): string {
  const negative = value < 0;
  const [whole, fraction] = Math.abs(value).toString().split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${negative ? '-' : ''}${grouped}${fraction ? `,${fraction}` : ''}`;
}

export type ViNumber = { ok: true; value: number | null } | { ok: false; reason: string };

/**
 * Reads a cell: blank is null (not reported, not 0); otherwise a Vietnamese number, optionally with a % sign and
 * a parenthesised qualifier. A plain decimal point is accepted only where it cannot be a thousands separator
 * ("98.9" but not "1.473", which is 1473).
 */
export function parseViNumber(text: string): ViNumber {
  const cell = text.replace(/\u00a0/g, ' ').trim();
  if (cell === '') return { ok: true, value: null };
  const m = /^([-+]?)\s*([0-9][0-9.\s]*)(?:,([0-9]+))?\s*%?\s*(?:\([^()]*\))?$/u.exec(cell);
  if (!m) return { ok: false, reason: `"${cell}" is not a number` };
  const sign = m[1] === '-' ? -1 : 1;
  const integer = m[2]!.replace(/\s/g, '');
  const decimals = m[3];
  let value: number;
  if (/^\d{1,3}(\.\d{3})+$/.test(integer)) value = Number(integer.replaceAll('.', ''));
  else if (/^\d+$/.test(integer)) value = Number(integer);
  else if (decimals === undefined && /^\d+\.\d+$/.test(integer)) value = Number(integer);
  else return { ok: false, reason: `"${cell}" is not a number` };
  if (decimals !== undefined) value = Number(`${value}.${decimals}`);
  return { ok: true, value: sign * value };
}
