/**
 * What makes two records the same document, and how a document is cited. Pure; the registry and the extractor's
 * registration both use it, so "duplicate" means one thing.
 *
 * Identity is type, number, symbol, issuer and date or year. Type, number and symbol compare exactly after
 * folding (CĐ-TTg = CD-TTg; that is the `identityKey`). Date: two dates must be equal; with one missing, the years
 * must be; with no year on one side, it is unknown and does not tell them apart. Issuer: unknown on either side
 * does not tell them apart; two known issuers are the same when one name is the other or starts it at a word
 * ("UBND tỉnh" and "UBND tỉnh Sóc Trăng"), "Ủy ban nhân dân" reading as "UBND".
 */
import { documentTypeInfo, type DocumentType } from './document-types.js';
import { foldForSearch } from './search-text.js';

export interface DocumentIdentity {
  type: DocumentType;
  number: string;
  symbol: string;
  year: number | null;
  issuedOn: string | null;
  /** Names the issuer goes by: an agency's name and short name, or the name given. Empty: unknown. */
  issuerNames: string[];
}

/** Type, number without leading zeros (01 and 1 are one number), and symbol folded. */
export const identityKey = (d: { type: string; number: string; symbol: string }) =>
  `${d.type}|${d.number.toLowerCase().replace(/^0+(?=\d)/, '')}|${foldForSearch(d.symbol)}`;

/** Folded, with the long form of the common bodies read as their abbreviation. */
export function issuerKey(name: string): string {
  return foldForSearch(name)
    .replace(/\buy ban nhan dan\b/g, 'ubnd')
    .replace(/\bban quan ly\b/g, 'bql')
    .replace(/\bkhu cong nghiep\b/g, 'kcn');
}

const startsAtWord = (long: string, short: string) => long === short || long.startsWith(`${short} `);

export function sameIssuer(a: string[], b: string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  const ka = a.map(issuerKey);
  const kb = b.map(issuerKey);
  return ka.some((x) => kb.some((y) => startsAtWord(x, y) || startsAtWord(y, x)));
}

export function sameDocument(a: DocumentIdentity, b: DocumentIdentity): boolean {
  if (identityKey(a) !== identityKey(b)) return false;
  if (a.issuedOn && b.issuedOn) {
    if (a.issuedOn !== b.issuedOn) return false;
  } else if (a.year !== null && b.year !== null && a.year !== b.year) return false;
  return sameIssuer(a.issuerNames, b.issuerNames);
}

/** The year a number carries ("28/2011" → 2011). */
export const yearInNumber = (number: string): number | null => {
  const m = /\/(\d{4})$/.exec(number);
  return m ? Number(m[1]) : null;
};

/**
 * The document's year from what is given: the number's year, the issue date's and an explicit one must agree.
 * Answers the year, or the names of the fields that disagree.
 */
export function resolveYear(d: {
  number: string;
  year?: number | null | undefined;
  issuedOn?: string | null | undefined;
}): { year: number | null } | { conflict: string[] } {
  const sources: Array<[string, number]> = [];
  const fromNumber = yearInNumber(d.number);
  if (fromNumber !== null) sources.push(['number', fromNumber]);
  if (d.issuedOn) sources.push(['issuedOn', Number(d.issuedOn.slice(0, 4))]);
  if (d.year !== undefined && d.year !== null) sources.push(['year', d.year]);
  const years = new Set(sources.map(([, y]) => y));
  if (years.size > 1) return { conflict: sources.map(([field]) => field) };
  return { year: sources[0]?.[1] ?? null };
}

/** Number and symbol as written on the document: 01/KH-BQL, 28/2011/QĐ-UBND, and the Party's 18-CT/TU. */
export const referenceOf = (d: { number: string; symbol: string }) => `${d.number}${d.symbol.includes('/') ? '-' : '/'}${d.symbol}`;

/** How a report cites it: "Kế hoạch số 01/KH-BQL ngày 05/01/2023". */
export function citationOf(d: { type: DocumentType; number: string; symbol: string; issuedOn: string | null }): string {
  const date = d.issuedOn ? ` ngày ${d.issuedOn.slice(8, 10)}/${d.issuedOn.slice(5, 7)}/${d.issuedOn.slice(0, 4)}` : '';
  return `${documentTypeInfo(d.type).name} số ${referenceOf(d)}${date}`;
}
