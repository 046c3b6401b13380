/**
 * A report read from the Word file agencies already write: the narrative split into its sections (headings
 * "I.", "II.", … at the start of a paragraph; sub-headings "1.", "2." stay inside their section) and the annex
 * read from the Word table. Nothing here writes on its own: the table becomes the CSV the annex import reads and
 * goes through that import (same matching, summary, dry run and atomicity), the sections go to the narrative
 * through the report service, and citations come from the documents service; with register, the documents the
 * notes cite become their values' evidence through the value service.
 *
 * DOCX only (mammoth reads Office Open XML): an ODT, or anything that is not a DOCX zip, is refused with 415.
 */
import mammoth from 'mammoth';
import type { Db } from '../../db/connection.js';
import type { WriteContext } from '../../domain/actor.js';
import { matchAnnexRows, readAnnexTable } from '../../domain/annex.js';
import { toCsv } from '../../domain/csv.js';
import { frozenCode, frozenMessage, isFrozen } from '../../domain/report-workflow.js';
import { ProblemError } from '../../errors.js';
import { assertMayWriteFor } from '../agencies/scope.js';
import type { DocumentService } from '../documents/service.js';
import type { AnnexService } from './annex.js';
import type { ReportReader } from './context.js';
import { reportKey, type ReportKey } from './keys.js';
import type { ImportSummary } from './value-schemas.js';
import type { ValueService } from './values.js';
import type { ReportService } from './workflow.js';

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const ODT_TYPE = 'application/vnd.oasis.opendocument.text';

/** A block of the document in reading order: a paragraph (headings and list items included) or a table. */
export type Block = { kind: 'paragraph'; text: string } | { kind: 'table'; rows: string[][] };

export interface ReadSection {
  /** The roman numeral of the heading: "I", "II", … (the narrative's key). */
  key: string;
  /** The heading's text after the numeral. */
  title: string;
  /** The section's text as stored: its paragraphs, blank lines between them, the heading not repeated. */
  text: string;
}

export interface ReadDocument {
  /** Every narrative paragraph, headings included, as one text (paragraphs separated by a blank line). */
  narrativeText: string;
  /** Paragraphs before the first section heading (letterhead, addressee, opening sentence). */
  preamble: string;
  sections: ReadSection[];
  /** The annex table's rows as cells (header row included), or undefined when the file has none. */
  annex: string[][] | undefined;
}

// ---- Reading the file ------------------------------------------------------------------------------------

const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Refuses anything that is not a DOCX: not a zip, an ODT (mammoth cannot read it), a zip without word/document.xml. */
export function assertDocx(file: Buffer): void {
  if (file.length < 30 || !file.subarray(0, 4).equals(ZIP_SIGNATURE)) {
    throw new ProblemError('FILE_CONTENT_MISMATCH', 'The file is not a Word document (DOCX): a DOCX is a zip archive, and these bytes are not one');
  }
  // Entry names are stored uncompressed in the zip headers; an ODT starts with its "mimetype" entry.
  if (file.subarray(0, 200).includes(ODT_TYPE) || (file.includes('content.xml') && !file.includes('word/document.xml'))) {
    throw new ProblemError(
      'FILE_CONTENT_MISMATCH',
      'OpenDocument text (ODT) cannot be read here, only Word documents (DOCX): save the file as .docx (Word, or LibreOffice "Save as… Word 2007-365") and send it again',
    );
  }
  if (!file.includes('word/document.xml')) {
    throw new ProblemError('FILE_CONTENT_MISMATCH', 'The zip archive is not a Word document (DOCX): it has no word/document.xml');
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Spacing as people see it: non-breaking spaces and runs of spaces made one space, lines trimmed, NFC. */
const tidy = (text: string) =>
  text
    .normalize('NFC')
    .replace(/[\u00a0\t ]+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .trim();

const BLOCK_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li']);

/**
 * The blocks of mammoth's HTML. Mammoth writes simple, well-formed HTML (p, h1–h6, ul/ol/li, table/tr/td/th,
 * strong/em/a/sup, br), so a tag scanner is enough: block elements make paragraphs, tables rows of cells (a
 * cell's paragraphs joined by line breaks; a nested table's text joins its cell; colspan repeats empty cells so
 * columns stay in place). Footnote and comment references ("[1]") are dropped.
 */
export function blocksOfHtml(html: string): Block[] {
  const blocks: Block[] = [];
  const tables: Array<{ rows: string[][]; row: string[] | undefined; cell: string | undefined; span: number }> = [];
  let text: string | undefined;
  let skip = 0;
  const append = (s: string) => {
    if (skip > 0) return;
    const table = tables.at(-1);
    if (table?.cell !== undefined) table.cell += s;
    else if (text !== undefined) text += s;
    else text = s;
  };
  const endParagraph = () => {
    const table = tables.at(-1);
    if (table?.cell !== undefined) {
      if (!table.cell.endsWith('\n')) table.cell += '\n';
      return;
    }
    if (text !== undefined) {
      const t = tidy(decodeEntities(text));
      if (t !== '') blocks.push({ kind: 'paragraph', text: t });
    }
    text = undefined;
  };
  for (const token of html.match(/<[^>]*>|[^<]+/g) ?? []) {
    if (!token.startsWith('<')) {
      append(token);
      continue;
    }
    const tag = /^<(\/?)([a-zA-Z0-9]+)([^>]*)>$/.exec(token);
    if (!tag) continue;
    const closing = tag[1] === '/';
    const name = tag[2]!.toLowerCase();
    const attributes = tag[3] ?? '';
    // Footnote and endnote references (<sup><a href="#footnote-1">[1]</a></sup>) are not text of the report.
    if (name === 'sup') {
      if (closing) skip = Math.max(0, skip - 1);
      else if (/href|footnote|endnote|comment/.test(attributes) || skip > 0) skip++;
      continue;
    }
    if (name === 'a' && !closing && /href="#(footnote|endnote|comment)/.test(attributes)) {
      skip++;
      continue;
    }
    if (name === 'a' && closing && skip > 0) {
      skip--;
      continue;
    }
    if (name === 'br') append('\n');
    else if (BLOCK_TAGS.has(name)) {
      if (closing) endParagraph();
      else if (tables.at(-1)?.cell === undefined) endParagraph();
    } else if (name === 'table') {
      if (!closing) {
        if (tables.length === 0) endParagraph();
        if (tables.length > 0 && tables.at(-1)!.cell === undefined) tables.at(-1)!.cell = '';
        tables.push({ rows: [], row: undefined, cell: undefined, span: 1 });
      } else {
        const table = tables.pop();
        if (!table) continue;
        const outer = tables.at(-1);
        if (outer) outer.cell = `${outer.cell ?? ''}${table.rows.map((r) => r.filter((c) => c !== '').join(' ')).join('\n')}\n`;
        else blocks.push({ kind: 'table', rows: table.rows });
      }
    } else if (name === 'tr') {
      const table = tables.at(-1);
      if (!table) continue;
      if (!closing) table.row = [];
      else {
        if (table.row) table.rows.push(table.row);
        table.row = undefined;
      }
    } else if (name === 'td' || name === 'th') {
      const table = tables.at(-1);
      if (!table) continue;
      if (!closing) {
        table.cell = '';
        table.span = Math.min(Math.max(Number(/colspan="(\d+)"/.exec(attributes)?.[1] ?? 1), 1), 50);
      } else {
        table.row ??= [];
        table.row.push(tidy(decodeEntities(table.cell ?? '')));
        for (let i = 1; i < table.span; i++) table.row.push('');
        table.cell = undefined;
      }
    }
  }
  endParagraph();
  return blocks;
}

const ROMAN = /^(X{0,2}(?:IX|IV|V?I{0,3}))\.\s+(\S.*)$/su;
const CLOSING = /^(Nơi nhận|Noi nhan)\s*:?/iu;

/** A section heading: a roman numeral, a dot, then a title that starts with a capital letter. */
export function headingOf(paragraph: string): { key: string; title: string } | undefined {
  const m = ROMAN.exec(paragraph);
  if (!m || m[1] === '') return undefined;
  const title = m[2]!.trim();
  const first = title.charAt(0);
  if (first.toLocaleUpperCase('vi') === first.toLocaleLowerCase('vi') || first !== first.toLocaleUpperCase('vi')) return undefined;
  return { key: m[1]!, title };
}

/** Whether a table is the annex: a row with a cell "STT" and a cell starting "Chỉ tiêu" (the annex import's test). */
const isAnnex = (rows: string[][]) => readAnnexTable(rows) !== undefined;

/**
 * The document read into narrative and annex. Narrative paragraphs are those before the annex table and before
 * the closing ("Nơi nhận:", the signature); a heading that repeats a numeral already seen continues that
 * section. Other tables in the narrative are kept as text, one row a line, cells separated by " | ".
 */
export function readBlocks(blocks: Block[]): ReadDocument {
  const narrative: string[] = [];
  const preamble: string[] = [];
  const sections = new Map<string, { key: string; title: string; paragraphs: string[] }>();
  let current: { key: string; title: string; paragraphs: string[] } | undefined;
  let annex: string[][] | undefined;
  let closed = false;
  for (const block of blocks) {
    if (block.kind === 'table' && !annex && isAnnex(block.rows)) {
      annex = block.rows;
      closed = true;
      continue;
    }
    if (closed) continue;
    const text = block.kind === 'paragraph' ? block.text : block.rows.map((r) => r.join(' | ')).join('\n');
    if (block.kind === 'paragraph' && CLOSING.test(text)) {
      closed = true;
      continue;
    }
    narrative.push(text);
    const heading = block.kind === 'paragraph' ? headingOf(text) : undefined;
    if (heading) {
      current = sections.get(heading.key) ?? { ...heading, paragraphs: [] };
      sections.set(heading.key, current);
      continue;
    }
    (current?.paragraphs ?? preamble).push(text);
  }
  return {
    narrativeText: narrative.join('\n\n'),
    preamble: preamble.join('\n\n'),
    sections: [...sections.values()].map((s) => ({ key: s.key, title: s.title, text: s.paragraphs.join('\n\n') })),
    annex,
  };
}

/** Reads a DOCX (checked to be one first). A file mammoth cannot open answers 422 ANNEX_UNREADABLE. */
export async function readDocx(file: Buffer): Promise<ReadDocument> {
  assertDocx(file);
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: file }, { ignoreEmptyParagraphs: true })).value;
  } catch {
    throw new ProblemError('ANNEX_UNREADABLE', 'The file looks like a Word document (DOCX) but cannot be opened');
  }
  return readBlocks(blocksOfHtml(html));
}

// ---- Applying it -----------------------------------------------------------------------------------------

type ExtractResult = Awaited<ReturnType<DocumentService['extract']>>;
type Citation = ExtractResult['citations'][number];

export interface DocumentImportResult {
  period: string;
  agency: string;
  dryRun: boolean;
  atomic: boolean;
  register: boolean;
  narrative: {
    length: number;
    preambleLength: number;
    sections: Array<{ key: string; title: string; length: number; paragraphs: number }>;
  };
  annex: (ImportSummary & { rows: number; matched: number; unmatched: number }) | null;
  citations: {
    narrative: ExtractResult;
    notes: Array<{ row: number; indicator: string | null; citations: Citation[] }>;
  };
  written: {
    narrative: string[];
    reportEvidence: string[];
    values: boolean;
    valueEvidence: Array<{ indicator: string; documents: string[] }>;
  };
}

export interface DocumentImportDeps {
  reports: ReportService;
  annex: AnnexService;
  documents: DocumentService;
  values: ValueService;
  reader: ReportReader;
}

export function createDocumentImportService(db: Db, deps: DocumentImportDeps) {
  /** The notes' citations, one extraction over all of them (one registration transaction), split back by row. */
  async function noteCitations(ctx: WriteContext, notes: Array<{ row: number; indicator: string | null; note: string }>, register: boolean) {
    const spans: Array<{ start: number; end: number }> = [];
    let text = '';
    for (const n of notes) {
      if (text) text += '\n\n';
      spans.push({ start: text.length, end: text.length + n.note.length });
      text += n.note;
    }
    const extracted = notes.length ? await deps.documents.extract(ctx, text, register) : { citations: [] as Citation[] };
    return notes.map((n, i) => ({
      row: n.row,
      indicator: n.indicator,
      citations: extracted.citations
        .filter((c) => c.start >= spans[i]!.start && c.end <= spans[i]!.end)
        .map((c) => ({ ...c, start: c.start - spans[i]!.start, end: c.end - spans[i]!.start })),
    }));
  }

  return {
    /**
     * Reads the file and applies it: dry run checks everything and writes nothing (no values, narrative or
     * documents). Otherwise, in this order: the annex values (one transaction, atomic as the annex import: a
     * refused file writes nothing at all), the cited documents (with register), the narrative sections and the
     * report's evidence, then each note's documents as its value's evidence.
     */
    async importDocument(
      ctx: WriteContext,
      key: ReportKey,
      file: Buffer,
      options: { dryRun: boolean; atomic: boolean; register: boolean },
    ): Promise<DocumentImportResult> {
      const read = await readDocx(file);
      if (read.sections.length === 0 && !read.annex) {
        throw new ProblemError(
          'ANNEX_UNREADABLE',
          'The document has neither section headings ("I.", "II.", … at the start of a paragraph) nor an annex table (a header row with "STT" and "Chỉ tiêu thống kê")',
        );
      }
      const context = await deps.reader.context(key);
      // Refused up front, dry run or not, whatever the file holds (the services below check again when they write).
      await assertMayWriteFor(db, ctx.principal, key.agencyCode);
      const state = context.report?.state;
      if (isFrozen(state)) throw new ProblemError(frozenCode(state), frozenMessage(reportKey(key), state));

      // The table as the annex import reads it, and its rows matched the same way to find each note's indicator.
      const rows = read.annex ? (readAnnexTable(read.annex) ?? []) : [];
      const { matched, unmatched } = matchAnnexRows(context.template.indicators, rows);
      const indicatorOf = new Map(matched.map((m) => [m.row.row, m.indicator.code]));
      const notes = rows.filter((r) => r.note !== '').map((r) => ({ row: r.row, indicator: indicatorOf.get(r.row) ?? null, note: r.note }));
      const csv = read.annex ? Buffer.from(toCsv(read.annex), 'utf8') : undefined;
      const register = options.register && !options.dryRun;

      // Values first: the annex import refuses the whole file (atomic) before anything else is written.
      const summary = csv ? await deps.annex.importReport(ctx, key, csv, { dryRun: options.dryRun, atomic: options.atomic }) : null;
      const narrativeCitations = await deps.documents.extract(ctx, read.narrativeText, register);
      const perRow = await noteCitations(ctx, notes, register);

      const written: DocumentImportResult['written'] = { narrative: [], reportEvidence: [], values: summary?.written ?? false, valueEvidence: [] };
      if (!options.dryRun) {
        const reportDocs = [...new Set(narrativeCitations.citations.flatMap((c) => (c.documentId ? [c.documentId] : [])))];
        if (read.sections.length > 0 || reportDocs.length > 0) {
          const before = await deps.reports.get(key);
          const newEvidence = reportDocs.filter((id) => !before.evidence.includes(id));
          const updated = await deps.reports.update(ctx, key, {
            ...(read.sections.length > 0 && { narrative: { ...before.narrative, ...Object.fromEntries(read.sections.map((s) => [s.key, s.text])) } }),
            ...(newEvidence.length > 0 && { evidence: [...before.evidence, ...newEvidence] }),
          });
          written.narrative = read.sections.map((s) => s.key);
          written.reportEvidence = newEvidence.filter((id) => updated.evidence.includes(id));
        }
        if (register) {
          // Each note's documents become its value's evidence, added to what the value already cites.
          const after = await deps.reader.context(key);
          const links = new Map<string, Set<string>>();
          for (const r of perRow) {
            const ids = r.citations.flatMap((c) => (c.documentId ? [c.documentId] : []));
            if (!r.indicator || ids.length === 0 || !after.values.has(r.indicator)) continue;
            const set = links.get(r.indicator) ?? new Set(after.evidence.get(r.indicator) ?? []);
            for (const id of ids) set.add(id);
            links.set(r.indicator, set);
          }
          const changes = [...links].filter(([code, ids]) => {
            const had = new Set(after.evidence.get(code) ?? []);
            return [...ids].some((id) => !had.has(id));
          });
          if (changes.length > 0) {
            await deps.values.submitReport(
              ctx,
              key,
              changes.map(([code, ids]) => ({ indicator: code, value: after.values.get(code)!.value, evidence: [...ids] })),
              { dryRun: false, atomic: true },
            );
            written.valueEvidence = changes.map(([indicator, ids]) => ({ indicator, documents: [...ids] }));
          }
        }
      }

      return {
        period: key.periodId,
        agency: key.agencyCode,
        dryRun: options.dryRun,
        atomic: options.atomic,
        register: options.register,
        narrative: {
          length: read.narrativeText.length,
          preambleLength: read.preamble.length,
          sections: read.sections.map((s) => ({ key: s.key, title: s.title, length: s.text.length, paragraphs: s.text ? s.text.split('\n\n').length : 0 })),
        },
        annex: summary ? { ...summary, rows: rows.length, matched: matched.length, unmatched: unmatched.length } : null,
        citations: { narrative: narrativeCitations, notes: perRow.filter((r) => r.citations.length > 0) },
        written,
      };
    },
  };
}

export type DocumentImportService = ReturnType<typeof createDocumentImportService>;
