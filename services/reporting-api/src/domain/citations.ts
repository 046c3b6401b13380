/**
 * Finds the documents a Vietnamese text cites: "Kế hoạch số 01/KH-BQL ngày 05/01/2023", "Quyết định số
 * 28/2011/QĐ-UBND", "Chỉ thị số 18-CT/TU ngày 22/02/2023", "công văn số 3004/UBND-TTHC", "QĐ số 766/QĐ-TTg", lists
 * such as "Quyết định số 1988/QĐ-UBND ngày 11/8/2023, 2995/QĐ-UBND ngày 24/11/2023", dates as "5/1/2023" or
 * "ngày 05 tháng 01 năm 2023", and citations broken across lines.
 *
 * How: the text is put in NFC, then folded letter by letter to lower case without diacritics, which keeps every
 * offset (one UTF-16 unit in, one out), so one pattern reads "Kế hoạch", "KẾ HOẠCH" and "Ke hoach" alike. Every
 * field and the matched text are then cut from the text as written, and offsets are mapped back to it.
 *
 * Not cited documents: a type word with a bare number and no symbol ("Nghị định 111"), which names no document
 * reliably, and blank templates ("Báo cáo số /BC-BQL").
 */
import { DOCUMENT_TYPES, typeOfAbbreviation, type DocumentType } from './document-types.js';

export interface Citation {
  type: DocumentType;
  /** The number as written; a normative document's carries its year: "01", "28/2011". */
  number: string;
  /** The symbol (ký hiệu) as written: "KH-BQL", "QĐ-UBND", Party "CT/TU". */
  symbol: string;
  /** Number and symbol together, as written on the document: "01/KH-BQL", "28/2011/QĐ-UBND", "18-CT/TU". */
  reference: string;
  /** From the number when it carries one, else from the date. */
  year: number | null;
  /** The issuing body's abbreviation from the symbol: "BQL", "UBND", "TU"; an official letter's first part ("SNV" of SNV-TTr). */
  issuer: string | null;
  /** ISO date of issue, when the text gives one. */
  issuedOn: string | null;
  /** The issuing body as named after "của", when the text names it: "UBND tỉnh Sóc Trăng". */
  issuerName: string | null;
  /** The text exactly as written, from the type word (or the number, in a list) to the date or symbol. */
  text: string;
  /** Offsets into the text as given, in UTF-16 code units (JavaScript string indices); end is exclusive. */
  start: number;
  end: number;
}

// ---- Folding that keeps offsets -------------------------------------------------------------------------

const foldCache = new Map<string, string>();
function foldChar(c: string): string {
  let f = foldCache.get(c);
  if (f === undefined) {
    f = c === 'đ' || c === 'Đ' ? 'd' : c.normalize('NFD').charAt(0).toLowerCase();
    if (f.length !== 1) f = c;
    foldCache.set(c, f);
  }
  return f;
}
/** Lower case, no diacritics, same length: offsets in the result are offsets in the input. */
export function foldKeepingOffsets(text: string): string {
  return text.replace(/[^\0-@[-`{-\x7f]/g, foldChar);
}

/** NFC form of the text and, for every index of it, the index in the text as given. */
function toNfc(text: string): { nfc: string; origin: (i: number) => number } {
  const nfc = text.normalize('NFC');
  if (nfc === text) return { nfc, origin: (i) => i };
  const map: number[] = [];
  let out = '';
  for (const m of text.matchAll(/[\s\S]\p{M}*/gu)) {
    const piece = m[0].normalize('NFC');
    for (let k = 0; k < piece.length; k++) map.push(m.index);
    out += piece;
  }
  map.push(text.length);
  return { nfc: out, origin: (i) => map[i]! };
}

// ---- The grammar ----------------------------------------------------------------------------------------

const GENERIC = 'van-ban';
type Word = DocumentType | typeof GENERIC;

const fold = (s: string) => foldKeepingOffsets(s.normalize('NFC'));
const words = new Map<string, Word>([...DOCUMENT_TYPES.map((t) => [fold(t.name), t.code] as [string, Word]), ['van ban', GENERIC]]);
const wordPattern = [...words.keys()].sort((a, b) => b.length - a.length).map((w) => w.split(' ').join('\\s+')).join('|');
const abbreviationWords = [...new Set(DOCUMENT_TYPES.flatMap((t) => t.abbreviations.map(fold)).concat('cv'))];
const abbreviationPattern = abbreviationWords.sort((a, b) => b.length - a.length).join('|');

/** A line may break after a separator inside a reference ("01/KH-\nBQL"). */
const LB = String.raw`(?:\r?\n[ \t]*)?`;
const SEG = String.raw`\p{L}[\p{L}\d]*`;
const CODE =
  String.raw`(?:(?<pnum>\d{1,6})-${LB}(?<ptype>\p{L}+)/${LB}(?<pissuer>${SEG}(?:[-/]${LB}${SEG})*)` +
  String.raw`|(?<num>\d{1,6})(?:/(?<nyear>(?:19|20)\d{2}))?/${LB}(?<sym>${SEG}(?:-${LB}${SEG})*))(?![\p{L}\d])`;
const DATE =
  String.raw`(?:\s*,?\s*ngay\s+(?:(?<d>\d{1,2})\s*(?<ds>[/.-])\s*(?<m>\d{1,2})\s*\k<ds>\s*(?<y>\d{4})` +
  String.raw`|(?<d2>\d{1,2})\s+thang\s+(?<m2>\d{1,2})\s*,?\s+nam\s+(?<y2>\d{4}))(?!\d))?`;

const LEAD = String.raw`(?<![\p{L}\p{N}])(?:(?<word>${wordPattern})(?:\s*:)?\s+(?:so\s*:?\s*)?|(?<abbr>${abbreviationPattern})\s+so\s*:?\s*)`;
const CITATION = new RegExp(LEAD + CODE + DATE, 'gdu');
/** The next item of a list after a citation: ", 2995/QĐ-UBND ngày 24/11/2023", "; số 05/KH-BQL", " và số 54/TB-BQL". */
const NEXT_IN_LIST = new RegExp(String.raw`(?:\s*[,;]\s*(?:va\s+)?|\s+va\s+)(?:so\s*:?\s*)?` + CODE + DATE, 'ydu');
const OF_ISSUER = /\s*,?\s*cua\s+/y;
/**
 * Where a body's name stops: at a verb or preposition that starts the rest of the sentence, at punctuation, or
 * at "và" before another citation ("Bộ Kế hoạch và Đầu tư" is one name; "UBND tỉnh và Công văn số …" is not), or at "và" before a
 * lower-case word (checked on the text as written).
 */
const ISSUER_NAME_END = new RegExp(
  String.raw`\s+(?:ve|de|phe duyet|ban hanh|voi|tai|theo|nham|trong|gui|thuc hien|trien khai|quy dinh|huong dan|giao|cho|chi dao|nam|lan)(?![\p{L}\d])` +
    String.raw`|\s+va\s+(?=(?:${wordPattern}|so|\d)(?![\p{L}\d]))|[;,.()[\]<>\t\n:"“”]`,
  'u',
);

// ---- Reading one match ----------------------------------------------------------------------------------

function isoDate(d: string | undefined, m: string | undefined, y: string | undefined): string | null {
  if (!d || !m || !y) return null;
  const day = Number(d);
  const month = Number(m);
  const year = Number(y);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1945 || year > 2100 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

const withoutBreaks = (s: string) => s.replace(/\r?\n[ \t]*/g, '');

/**
 * The issuer's abbreviation in a symbol. Party symbols name it after the slash (CT/TU → TU). Otherwise it follows
 * the type abbreviation (KH-BQL → BQL, TTLT-BNV-BTC → BNV-BTC); an official letter has none, so its symbol starts
 * with the issuer and then the drafting unit (SNV-TTr → SNV).
 */
export function symbolIssuer(type: DocumentType, symbol: string): string | null {
  const slash = symbol.indexOf('/');
  if (slash >= 0) return symbol.slice(slash + 1) || null;
  const [first, ...rest] = symbol.split('-');
  const abbreviated = rest.length > 0 && typeOfAbbreviation(first!) !== undefined && (type !== 'cong-van' || typeOfAbbreviation(first!) === 'cong-van');
  return (abbreviated ? rest.join('-') : first) || null;
}

interface Parts {
  type: DocumentType;
  number: string;
  symbol: string;
  reference: string;
  issuer: string | null;
  year: number | null;
  issuedOn: string | null;
  /** Where the match ends: after the date, or after the symbol when the date is missing or impossible. */
  end: number;
}

/**
 * The type comes from the word when it names one; from the symbol's abbreviation when the word is the generic
 * "Văn bản" or an abbreviation itself, or when a list item has no word; else a list item keeps the type before it.
 */
function readParts(m: RegExpExecArray, nfc: string, word: Word | undefined, inherited: DocumentType | undefined): Parts | undefined {
  const g = m.groups!;
  const at = (name: string) => m.indices!.groups![name]!;
  const slice = (name: string) => withoutBreaks(nfc.slice(...at(name)));
  let type: DocumentType | undefined;
  let number: string;
  let symbol: string;
  let reference: string;
  let issuer: string | null;
  if (g.pnum !== undefined) {
    // Party: number-type/issuer.
    const partyType = slice('ptype');
    number = g.pnum;
    symbol = `${partyType}/${slice('pissuer')}`;
    reference = `${number}-${symbol}`;
    type = word && word !== GENERIC ? word : (typeOfAbbreviation(partyType) ?? inherited ?? 'cong-van');
    issuer = symbolIssuer(type, symbol);
  } else {
    symbol = slice('sym');
    number = g.nyear ? `${g.num}/${g.nyear}` : g.num!;
    reference = `${number}/${symbol}`;
    const [first, ...rest] = symbol.split('-');
    const named = rest.length > 0 ? typeOfAbbreviation(first!) : undefined;
    type = word && word !== GENERIC ? word : (named ?? (word === GENERIC ? 'cong-van' : inherited));
    issuer = type ? symbolIssuer(type, symbol) : null;
  }
  if (!type) return undefined;
  const issuedOn = isoDate(g.d ?? g.d2, g.m ?? g.m2, g.y ?? g.y2);
  const symbolEnd = at(g.pnum !== undefined ? 'pissuer' : 'sym')[1];
  return {
    type,
    number,
    symbol,
    reference,
    issuer: issuer || null,
    year: g.nyear ? Number(g.nyear) : issuedOn ? Number(issuedOn.slice(0, 4)) : null,
    issuedOn,
    end: issuedOn ? m.index + m[0].length : symbolEnd,
  };
}

/** "của UBND tỉnh Sóc Trăng về việc …" → "UBND tỉnh Sóc Trăng". A line break before a lower-case word is a wrapped line. */
function issuerNameAfter(nfc: string, folded: string, end: number): string | null {
  OF_ISSUER.lastIndex = end;
  if (!OF_ISSUER.exec(folded)) return null;
  const from = OF_ISSUER.lastIndex;
  const window = nfc.slice(from, from + 160).replace(/\s*\n\s*(?=\p{Ll})/gu, (s) => ' '.repeat(s.length));
  const stops = [foldKeepingOffsets(window).search(ISSUER_NAME_END), window.search(/\s+và\s+(?=\p{Ll})/u)].filter((i) => i >= 0);
  const name = (stops.length ? window.slice(0, Math.min(...stops)) : window).replace(/\s+/g, ' ').trim();
  return name.length > 0 && name.length <= 120 ? name : null;
}

// ---- The extractor --------------------------------------------------------------------------------------

/** Every citation in the text, in order of appearance. */
export function extractCitations(text: string): Citation[] {
  const { nfc, origin } = toNfc(text);
  const folded = foldKeepingOffsets(nfc);
  const out: Citation[] = [];
  const emit = (start: number, parts: Parts) => {
    const from = origin(start);
    const to = origin(parts.end);
    const { end: _end, ...fields } = parts;
    out.push({ ...fields, issuerName: issuerNameAfter(nfc, folded, parts.end), text: text.slice(from, to), start: from, end: to });
  };

  CITATION.lastIndex = 0;
  for (let m = CITATION.exec(folded); m; m = CITATION.exec(folded)) {
    const word = m.groups!.word !== undefined ? words.get(m.groups!.word.replace(/\s+/g, ' ')) : undefined;
    const abbreviationType = m.groups!.abbr !== undefined ? typeOfAbbreviation(nfc.slice(...m.indices!.groups!.abbr!)) : undefined;
    const parts = readParts(m, nfc, word, abbreviationType);
    if (!parts) continue;
    emit(m.index, parts);
    // The rest of a list: items with a number and symbol but no type word of their own.
    let last = parts;
    for (;;) {
      NEXT_IN_LIST.lastIndex = last.end;
      const next = NEXT_IN_LIST.exec(folded);
      if (!next) break;
      const item = readParts(next, nfc, undefined, last.type);
      if (!item) break;
      // The item's text starts at its "số", else at its number.
      const numberAt = next.index + next[0].search(/\d/);
      const so = folded.slice(next.index, numberAt).search(/so\s*:?\s*$/);
      emit(so >= 0 ? next.index + so : numberAt, item);
      last = item;
    }
    CITATION.lastIndex = last.end;
  }
  return out;
}
