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
    // Ð (U+00D0, the Icelandic eth) stands for Đ in text converted from legacy Vietnamese encodings.
    f = /[đĐðÐ]/.test(c) ? 'd' : c.normalize('NFD').charAt(0).toLowerCase();
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
const wordPattern = [...words.keys()]
  .sort((a, b) => b.length - a.length)
  .map((w) => w.split(' ').join('\\s+'))
  .join('|');
const abbreviationWords = [...new Set(DOCUMENT_TYPES.flatMap((t) => t.abbreviations.map(fold)).concat('cv'))];
const abbreviationPattern = abbreviationWords.sort((a, b) => b.length - a.length).join('|');

/**
 * The pieces, on the folded text. Whitespace is written so that a run of it can be split only one way (`\s*,\s*`
 * or `\s+`, never `\s*,?\s*`): otherwise a long run of spaces makes the search quadratic.
 */
const SO = String.raw`so\s*(?::\s*)?`;
/** A line may break after a separator inside a reference ("01/KH-\nBQL"). */
const LB = String.raw`(?:\r?\n[ \t]*)?`;
const SEG = String.raw`\p{L}[\p{L}\d]{0,19}`;
const CODE =
  String.raw`(?:(?<pnum>\d{1,6})-${LB}(?<ptype>\p{L}{1,5})/${LB}(?<pissuer>${SEG}(?:[-/]${LB}${SEG}){0,6})` +
  String.raw`|(?<num>\d{1,6}[a-z]?)(?:/(?<nyear>(?:19|20)\d{2}))? ?/ ?${LB}(?<sym>${SEG}(?:[-–]${LB}${SEG}){0,6}))(?![\p{L}\d]|[-–/]\p{L})`;
const DATE =
  String.raw`(?:(?:\s*,\s*|\s+|\s*(?<open>\()\s*)ngay\s+(?:(?<d>\d{1,2})\s*(?<ds>[/.-])\s*(?<m>\d{1,2})\s*\k<ds>\s*(?<y>\d{4})` +
  String.raw`|(?<d2>\d{1,2})\s+thang\s+(?<m2>\d{1,2})(?:\s*,\s*|\s+)nam\s+(?<y2>\d{4}))(?!\d)(?<close>\s*\))?)?`;
const NOT_A_TYPE_WORD = String.raw`(?!(?:${wordPattern}|so)(?![\p{L}\d]))`;
/** A title between the type word and "số": "Luật Tổ chức chính quyền địa phương số 77/2015/QH13". */
const TITLE = String.raw`(?:\s+${NOT_A_TYPE_WORD}\p{L}+){1,8}\s+${SO}`;

const LEAD =
  String.raw`(?<![\p{L}\p{N}])(?:(?<word>${wordPattern})(?![\p{L}\d])(?:(?<title>${TITLE})|(?:\s*:\s*|\s+)(?:${SO})?)` +
  String.raw`|(?<abbr>${abbreviationPattern})\s+(?<abbrSo>${SO})?)`;
const CITATION = new RegExp(LEAD + CODE + DATE, 'gdu');
/** The next item of a list after a citation: ", 2995/QĐ-UBND ngày 24/11/2023", "; số 05/KH-BQL", " và số 54/TB-BQL". */
const NEXT_IN_LIST = new RegExp(String.raw`(?:\s*[,;]\s*(?:va\s+)?|\s+va\s+)(?:${SO})?` + CODE + DATE, 'ydu');
/** A type word just before the match: "Thông báo [kết luận số 123/TB-VP]". */
const HEAD_WORD = new RegExp(String.raw`(?<![\p{L}\p{N}])(?<head>${wordPattern})\s+$`, 'u');
const OF_ISSUER = /(?:\s*,\s*|\s+)cua\s+/y;
/**
 * Where a body's name stops: at a verb or preposition that starts the rest of the sentence, at punctuation, or
 * at "và" before another citation ("Bộ Kế hoạch và Đầu tư" is one name; "UBND tỉnh và Công văn số …" is not), at
 * another citation, or at "và" before a lower-case word (checked on the text as written).
 */
const ISSUER_NAME_END = new RegExp(
  String.raw`\s+(?:ve|de|phe duyet|ban hanh|voi|tai|theo|nham|trong|gui|thuc hien|trien khai|quy dinh|huong dan|giao|cho|chi dao|nam|lan)(?![\p{L}\d])` +
    String.raw`|\s+va\s+(?=(?:${wordPattern}|so|\d)(?![\p{L}\d]))|\s+(?=(?:${wordPattern})\s+(?:${SO})?\d)|[;,.()[\]<>\t\n:"“”]`,
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
}
interface Match {
  parts: Parts;
  /** The type the symbol's abbreviation names (KH-BQL → ke-hoach), if it names one. */
  symbolType: DocumentType | undefined;
  /** Where the match ends: after the date, or after the symbol when the date is missing or impossible. */
  end: number;
}

/** Types cited by a title and a number whose symbol names no type: "Luật Tổ chức chính quyền địa phương số 77/2015/QH13". */
const TITLED_WITHOUT_ABBREVIATION = new Set<DocumentType>(['luat', 'bo-luat', 'phap-lenh', 'hien-phap']);

/**
 * The type comes from the word when it names one; from the symbol's abbreviation when the word is the generic
 * "Văn bản" or an abbreviation itself, or when a list item has no word; else a list item keeps the type before it.
 * What the registry could not hold (a symbol over 60 characters, a year before 1945) is not a citation.
 */
function readMatch(m: RegExpExecArray, nfc: string, word: Word | undefined, inherited: DocumentType | undefined): Match | undefined {
  const g = m.groups!;
  const at = (name: string) => m.indices!.groups![name]!;
  const slice = (name: string) => withoutBreaks(nfc.slice(...at(name)));
  let type: DocumentType | undefined;
  let symbolType: DocumentType | undefined;
  let number: string;
  let symbol: string;
  let reference: string;
  if (g.pnum !== undefined) {
    // Party: number-type/issuer.
    const partyType = slice('ptype');
    number = g.pnum;
    symbol = `${partyType}/${slice('pissuer')}`;
    reference = `${number}-${symbol}`;
    symbolType = typeOfAbbreviation(partyType);
    type = word && word !== GENERIC ? word : (symbolType ?? inherited ?? 'cong-van');
  } else {
    // An en dash typed for the hyphen is the hyphen.
    symbol = slice('sym').replace(/–/g, '-');
    number = g.nyear ? `${slice('num')}/${g.nyear}` : slice('num');
    reference = `${number}/${symbol}`;
    const [first, ...rest] = symbol.split('-');
    symbolType = rest.length > 0 ? typeOfAbbreviation(first!) : undefined;
    // A type abbreviation alone names no issuer: a broken symbol ("01/KH - BQL"), not a citation to guess at.
    if (rest.length === 0 && typeOfAbbreviation(first!) !== undefined) return undefined;
    type = word && word !== GENERIC ? word : (symbolType ?? (word === GENERIC ? 'cong-van' : inherited));
  }
  const yearOfNumber = g.nyear ? Number(g.nyear) : undefined;
  if (!type || symbol.length > 60 || (yearOfNumber !== undefined && (yearOfNumber < 1945 || yearOfNumber > 2100))) return undefined;
  // A date in parentheses, "(ngày 01/02/2023)", counts with both of them; an unclosed one is not read.
  const issuedOn = g.open !== undefined && g.close === undefined ? null : isoDate(g.d ?? g.d2, g.m ?? g.m2, g.y ?? g.y2);
  return {
    parts: {
      type,
      number,
      symbol,
      reference,
      issuer: symbolIssuer(type, symbol),
      year: yearOfNumber ?? (issuedOn ? Number(issuedOn.slice(0, 4)) : null),
      issuedOn,
    },
    symbolType,
    // A closing parenthesis belongs to the citation only when the date opened it.
    end: !issuedOn ? at(g.pnum !== undefined ? 'pissuer' : 'sym')[1] : g.close !== undefined && g.open === undefined ? at('close')[0] : m.index + m[0].length,
  };
}

/**
 * "của UBND tỉnh Sóc Trăng về việc …" → "UBND tỉnh Sóc Trăng", and where the name ends. A line break before a
 * lower-case word is a wrapped line.
 */
function issuerNameAfter(nfc: string, folded: string, end: number): { name: string; end: number } | undefined {
  OF_ISSUER.lastIndex = end;
  if (!OF_ISSUER.exec(folded)) return undefined;
  const from = OF_ISSUER.lastIndex;
  const window = nfc.slice(from, from + 160).replace(/\s*\n\s*(?=\p{Ll})/gu, (s) => ' '.repeat(s.length));
  const stops = [foldKeepingOffsets(window).search(ISSUER_NAME_END), window.search(/\s+và\s+(?=\p{Ll})/u)].filter((i) => i >= 0);
  const raw = stops.length ? window.slice(0, Math.min(...stops)) : window;
  const name = raw.replace(/\s+/g, ' ').trim();
  return name.length > 0 && name.length <= 120 ? { name, end: from + raw.trimEnd().length } : undefined;
}

// ---- The extractor --------------------------------------------------------------------------------------

const wordType = (folded: string | undefined) => (folded === undefined ? undefined : words.get(folded.replace(/\s+/g, ' ')));

/** Every citation in the text, in order of appearance. */
export function extractCitations(text: string): Citation[] {
  const { nfc, origin } = toNfc(text);
  const folded = foldKeepingOffsets(nfc);
  const out: Citation[] = [];
  /** Records a citation; answers where a list may go on (after the issuer's name, if one follows). */
  const emit = (start: number, match: Match): number => {
    const from = origin(start);
    const to = origin(match.end);
    const issuer = issuerNameAfter(nfc, folded, match.end);
    out.push({ ...match.parts, issuerName: issuer?.name ?? null, text: text.slice(from, to), start: from, end: to });
    return issuer?.end ?? match.end;
  };

  CITATION.lastIndex = 0;
  for (let m = CITATION.exec(folded); m; m = CITATION.exec(folded)) {
    const g = m.groups!;
    const word = wordType(g.word);
    const abbreviationType = g.abbr !== undefined ? typeOfAbbreviation(nfc.slice(...m.indices!.groups!.abbr!)) : undefined;
    const match = readMatch(m, nfc, word, abbreviationType);
    // A title before "số", or an abbreviation without "số", counts only when the symbol confirms the type.
    const claimed = word === GENERIC ? undefined : (word ?? abbreviationType);
    const needsConfirmation = g.title !== undefined || (g.abbr !== undefined && g.abbrSo === undefined);
    const confirmed =
      match && (match.symbolType === claimed || (match.symbolType === undefined && claimed !== undefined && TITLED_WITHOUT_ABBREVIATION.has(claimed)));
    if (!match || (needsConfirmation && !confirmed)) {
      CITATION.lastIndex = m.index + 1;
      continue;
    }
    let start = m.index;
    // "Thông báo kết luận số 123/TB-VP": the type word before this one names the type the symbol confirms.
    if (word && word !== GENERIC && match.symbolType && match.symbolType !== word) {
      const from = Math.max(0, m.index - 40);
      const head = HEAD_WORD.exec(folded.slice(from, m.index));
      if (head && wordType(head.groups!.head) === match.symbolType) {
        match.parts.type = match.symbolType;
        match.parts.issuer = symbolIssuer(match.symbolType, match.parts.symbol);
        start = from + head.index;
      }
    }
    let next = emit(start, match);
    let last = match.end;
    // The rest of a list: items with a number and symbol but no type word of their own.
    for (let type = match.parts.type; ; ) {
      NEXT_IN_LIST.lastIndex = next;
      const found = NEXT_IN_LIST.exec(folded);
      const item = found ? readMatch(found, nfc, undefined, type) : undefined;
      if (!found || !item) break;
      // The item's text starts at its "số", else at its number.
      const numberAt = found.index + found[0].search(/\d/);
      const so = folded.slice(found.index, numberAt).search(/so\s*(?::\s*)?$/);
      next = emit(so >= 0 ? found.index + so : numberAt, item);
      last = item.end;
      type = item.parts.type;
    }
    // Search on from the last citation, not past an issuer's name: a name never hides a citation.
    CITATION.lastIndex = last;
  }
  return out;
}
