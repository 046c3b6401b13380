/**
 * The official documents: a report as a DOCX in the layout of Nghị định 30/2020/NĐ-CP (Phụ lục I: thể thức văn bản
 * hành chính), and the province's summary for Sở Nội vụ. Both are built from what the JSON reads answer (the report's
 * context, the annex lines, the completeness, the roll-up, the findings) with the npm `docx` package; nothing is
 * stored. Unknown values are printed as dots, as on a blank form.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Packer,
  Paragraph,
  Table,
  TableBorders,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
  type ParagraphChild,
} from 'docx';
import type { ReportDocumentData } from '../../db/schema.js';
import { ANNEX_HEADER, annexLines, annexTitles, type AnnexLine } from '../../domain/annex.js';
import { formatViNumber } from '../../domain/vietnamese-number.js';
import type { AgencyService } from '../agencies/service.js';
import { contextFindings, itemsOf } from './cells.js';
import type { ReportContext, ReportReader } from './context.js';
import type { DashboardService } from './dashboards.js';
import type { ReportKey } from './keys.js';
import type { ReportService } from './workflow.js';

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export interface DocxFile {
  filename: string;
  contentType: string;
  body: Buffer;
}

/** What a blank form prints where a value is unknown. */
export const DOTS = '…';

// Page and type, in twips (1 mm = 56.7) and half-points: A4, margins top/bottom 20 mm, left 30 mm, right 15 mm.
const PAGE = { width: 11906, height: 16838 };
const MARGIN = { top: 1134, bottom: 1134, left: 1701, right: 850 };
const TEXT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const FONT = 'Times New Roman';
const pt = (points: number) => points * 2;
const BODY = pt(14);
const FIRST_LINE = 567; // 1 cm
const HEADER_COLUMNS = [4055, TEXT_WIDTH - 4055];

/** The annex's reference to the report it is attached to: "(Kèm theo Báo cáo số … ngày … của …)". */
export function annexReference(doc: ReportDocumentData, agencyName?: string): { number: string | null; issuedOn: string | null; issuerName: string | null } {
  return { number: doc.number ?? null, issuedOn: doc.issuedOn ?? null, issuerName: doc.issuer ?? agencyName ?? null };
}

/** "Sóc Trăng" from "Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng" (the địa danh of a provincial body). */
export function placeOf(name: string | null | undefined): string | null {
  const m = /(?:tỉnh|thành phố)\s+(.+)$/iu.exec(name ?? '');
  return m ? m[1]!.trim() : null;
}

/** "Sóc Trăng, ngày 05 tháng 01 năm 2024": day below 10 and months 1–2 with a leading zero (NĐ 30). */
export function dateLine(place: string | null, isoDate: string | null): string {
  const at = place ?? DOTS;
  const m = isoDate ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate) : null;
  if (!m) return `${at}, ngày ${DOTS} tháng ${DOTS} năm ${DOTS}`;
  const day = Number(m[3]);
  const month = Number(m[2]);
  return `${at}, ngày ${String(day).padStart(2, '0')} tháng ${month <= 2 ? String(month).padStart(2, '0') : month} năm ${m[1]}`;
}

/** dd/mm/yyyy of an ISO date or time, as a day in Vietnam. */
export function viDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = iso.length === 10 ? new Date(`${iso}T00:00:00Z`) : new Date(new Date(iso).getTime() + 7 * 3600_000);
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
}

const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII', 'XIII', 'XIV', 'XV'];

/** Narrative keys in document order: Roman numerals by value, then the others as written. */
export function sectionOrder(keys: string[]): string[] {
  const rank = (k: string) => {
    const i = ROMAN.indexOf(k.toUpperCase());
    return i < 0 ? ROMAN.length : i;
  };
  return keys
    .map((k, i) => ({ k, i }))
    .sort((a, b) => rank(a.k) - rank(b.k) || a.i - b.i)
    .map((x) => x.k);
}

/** The issuer's abbreviation from its code, as the annex writes it: BQL-KCN → BQL. */
const signOf = (code: string) => code.split('-')[0]!.toLocaleUpperCase('vi');
const periodLabel = (periodId: string) => (/^\d{4}$/.test(periodId) ? `năm ${periodId}` : `kỳ ${periodId}`);
const lowerFirst = (s: string) => s.charAt(0).toLocaleLowerCase('vi') + s.slice(1);
const upper = (s: string) => s.toLocaleUpperCase('vi');

// --- building blocks -------------------------------------------------------------------------------------------

type RunStyle = { bold?: boolean; italics?: boolean; size?: number; underline?: boolean };

const run = (text: string, style: RunStyle = {}) =>
  new TextRun({ text, font: FONT, size: style.size ?? BODY, bold: style.bold, italics: style.italics, ...(style.underline && { underline: {} }) });

/** Inline markdown the narrative may hold: **bold**, *italic*. */
function inline(text: string, base: RunStyle = {}): TextRun[] {
  const runs: TextRun[] = [];
  const re = /\*\*(.+?)\*\*|\*(.+?)\*/gu;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) runs.push(run(text.slice(last, m.index), base));
    runs.push(m[1] !== undefined ? run(m[1], { ...base, bold: true }) : run(m[2]!, { ...base, italics: true }));
    last = m.index + m[0].length;
  }
  if (last < text.length) runs.push(run(text.slice(last), base));
  return runs;
}

const centered = (children: ParagraphChild[], options: { before?: number; after?: number; keepNext?: boolean } = {}) =>
  new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: options.before ?? 0, after: options.after ?? 0 }, keepNext: options.keepNext, children });

/** A short centred rule under a title line (NĐ 30: "đường kẻ ngang, nét liền"), `length` twips of a `width` cell. */
const rule = (width: number, length: number) =>
  new Paragraph({
    spacing: { before: 0, after: 120, line: 40, lineRule: 'exact' },
    indent: { left: Math.max(0, Math.round((width - length) / 2)), right: Math.max(0, Math.round((width - length) / 2)) },
    border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '000000', space: 0 } },
    run: { size: 2 },
    children: [],
  });

/** A body paragraph: justified, first-line indent, markdown bold/italic. */
const bodyParagraph = (text: string) =>
  new Paragraph({
    alignment: AlignmentType.JUSTIFIED,
    indent: { firstLine: FIRST_LINE },
    spacing: { before: 0, after: 120, line: 288 },
    children: inline(text),
  });

/** A heading inside the body: bold, indented like the paragraphs, kept with what follows. */
const heading = (text: string, options: { before?: number } = {}) =>
  new Paragraph({
    alignment: AlignmentType.JUSTIFIED,
    indent: { firstLine: FIRST_LINE },
    spacing: { before: options.before ?? 120, after: 120, line: 288 },
    keepNext: true,
    children: [run(text, { bold: true })],
  });

/** Narrative text as paragraphs: blank lines and line breaks separate them; "- " items stay as written. */
function paragraphsOf(text: string): Paragraph[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n+/)
    .map((p) => p.replace(/^#+\s*/, '').trim())
    .filter((p) => p !== '')
    .map(bodyParagraph);
}

const noBorders = TableBorders.NONE;

const cell = (children: Paragraph[], width: number, options: { borders?: boolean; shade?: boolean } = {}) =>
  new TableCell({
    width: { size: width, type: WidthType.DXA },
    verticalAlign: VerticalAlign.TOP,
    ...(options.borders === false && { borders: noBorders }),
    ...(options.shade && { shading: { fill: 'F2F2F2', type: 'clear', color: 'auto' } }),
    margins: options.borders === false ? { left: 0, right: 0 } : { left: 80, right: 80, top: 40, bottom: 40 },
    children,
  });

/** A borderless two-column layout table (header block, closing block). */
function layoutTable(widths: number[], rows: Paragraph[][][]): Table {
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders: noBorders,
    rows: rows.map((cells) => new TableRow({ cantSplit: true, children: cells.map((c, i) => cell(c, widths[i]!, { borders: false })) })),
  });
}

/** A ruled data table with a header row repeated on every page. */
function dataTable(
  widths: number[],
  header: string[],
  rows: Array<{ cells: string[]; bold?: boolean }>,
  options: { left: number[]; small?: number[] } = { left: [1] },
): Table {
  const size = pt(12);
  const line = (text: string, col: number, bold: boolean) =>
    new Paragraph({
      alignment: options.left.includes(col) ? AlignmentType.LEFT : AlignmentType.CENTER,
      spacing: { before: 20, after: 20 },
      children: [run(text, { size: options.small?.includes(col) ? pt(11) : size, bold })],
    });
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    rows: [
      new TableRow({
        tableHeader: true,
        cantSplit: true,
        children: header.map(
          (h, i) =>
            new TableCell({
              width: { size: widths[i]!, type: WidthType.DXA },
              verticalAlign: VerticalAlign.CENTER,
              margins: { left: 80, right: 80, top: 40, bottom: 40 },
              children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [run(h, { size, bold: true })] })],
            }),
        ),
      }),
      ...rows.map(
        (r) => new TableRow({ cantSplit: true, children: r.cells.map((text, i) => cell([line(text, i, r.bold ?? false)], widths[i]!, { shade: r.bold })) }),
      ),
    ],
  });
}

/** Everything the first page and the closing need, resolved (defaults applied, unknowns as dots). */
export interface Letterhead {
  governingBody: string | null;
  issuer: string;
  number: string | null;
  /** The issuer's abbreviation in the ký hiệu while no number is set: "Số: …/BC-BQL". */
  sign: string | null;
  place: string | null;
  issuedOn: string | null;
  kind: string;
  title: string;
  recipients: string[];
  distribution: string[];
  signer: { authority: string | null; position: string | null; name: string | null };
}

function headerBlock(h: Letterhead): Table {
  const [left, right] = HEADER_COLUMNS as [number, number];
  const leftCell = [
    ...(h.governingBody ? [centered([run(upper(h.governingBody), { size: pt(13) })])] : []),
    ...upper(h.issuer)
      .split('\n')
      .map((l) => centered([run(l, { size: pt(13), bold: true })])),
    rule(left, 1300),
  ];
  const rightCell = [
    centered([run('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', { size: pt(12), bold: true })]),
    centered([run('Độc lập - Tự do - Hạnh phúc', { size: pt(13), bold: true })]),
    rule(right, 3000),
  ];
  const number = `Số: ${h.number ?? `${DOTS}/BC-${h.sign ?? DOTS}`}`;
  return layoutTable(HEADER_COLUMNS, [
    [leftCell, rightCell],
    [[centered([run(number, { size: pt(13) })], { before: 60 })], [centered([run(dateLine(h.place, h.issuedOn), { italics: true })], { before: 60 })]],
  ]);
}

function titleBlock(h: Letterhead): Paragraph[] {
  const recipients = h.recipients.length ? h.recipients : [DOTS];
  const to =
    recipients.length === 1
      ? [centered([run('Kính gửi: ', {}), run(recipients[0]!.replace(/[.;]$/, '') + '.')], { before: 200, after: 240 })]
      : [
          new Paragraph({ indent: { left: 2268 }, spacing: { before: 120 }, children: [run('Kính gửi:')] }),
          ...recipients.map(
            (r, i) =>
              new Paragraph({
                indent: { left: 3402 },
                spacing: { after: i === recipients.length - 1 ? 240 : 0 },
                children: [run(`- ${r.replace(/[.;]$/, '')}${i === recipients.length - 1 ? '.' : ';'}`)],
              }),
          ),
        ];
  return [
    centered([run(h.kind, { bold: true })], { before: 360, after: 40 }),
    ...h.title.split('\n').map((l) => centered([run(l, { bold: true })])),
    rule(TEXT_WIDTH, 1800),
    ...to,
  ];
}

function closingBlock(h: Letterhead): Table {
  const left = 4300;
  const widths = [left, TEXT_WIDTH - left];
  const distribution = h.distribution.length ? h.distribution : [DOTS];
  const leftCell = [
    new Paragraph({ spacing: { before: 120 }, children: [run('Nơi nhận:', { bold: true, italics: true, size: pt(12) })] }),
    ...distribution.map((d) => new Paragraph({ children: [run(d.startsWith('-') ? d : `- ${d}`, { size: pt(11) })] })),
  ];
  const s = h.signer;
  const rightCell = [
    ...(s.authority ? [centered([run(upper(s.authority), { bold: true })], { before: 120 })] : []),
    centered([run(s.position ? upper(s.position) : DOTS, { bold: true })], { before: s.authority ? 0 : 120 }),
    ...Array.from({ length: 4 }, () => new Paragraph({ children: [run('')] })),
    centered([run(s.name ?? DOTS, { bold: true })]),
  ];
  return layoutTable(widths, [[leftCell, rightCell]]);
}

async function pack(children: Array<Paragraph | Table>, title: string): Promise<Buffer> {
  const doc = new Document({
    creator: 'cchc reporting-api',
    title,
    styles: { default: { document: { run: { font: FONT, size: BODY }, paragraph: { spacing: { line: 264 } } } } },
    sections: [{ properties: { page: { size: PAGE, margin: { ...MARGIN, header: 720, footer: 720 } } }, children }],
  });
  return Packer.toBuffer(doc);
}

const ANNEX_WIDTHS = [650, 3900, 1150, 1300, TEXT_WIDTH - 650 - 3900 - 1150 - 1300];
const ANNEX_COLUMNS = { left: [1, 4], small: [4] };

const annexRows = (lines: AnnexLine[], last: (l: AnnexLine) => string) =>
  lines.map((l) => ({ cells: [l.stt, l.name, l.unit, l.value, last(l)], bold: l.heading }));

// --- the report --------------------------------------------------------------------------------------------------

/** The report's letterhead: its metadata, else the defaults from its agency and period. */
export function reportLetterhead(context: Pick<ReportContext, 'document' | 'agency' | 'parentName' | 'key'>): Letterhead {
  const d = context.document;
  return {
    governingBody: d.governingBody ?? context.parentName,
    issuer: d.issuer ?? context.agency.name,
    number: d.number ?? null,
    sign: signOf(context.agency.code),
    place: d.place ?? placeOf(context.agency.name) ?? placeOf(context.parentName),
    issuedOn: d.issuedOn ?? null,
    kind: 'BÁO CÁO',
    title: d.title ?? `Kết quả thực hiện công tác cải cách hành chính ${periodLabel(context.key.periodId)}`,
    recipients: d.recipients ?? [],
    distribution: d.distribution ?? [],
    signer: { authority: d.signer?.authority ?? null, position: d.signer?.position ?? null, name: d.signer?.name ?? null },
  };
}

/** The report as a DOCX: letterhead, narrative by section, closing, then the annex table on its own page. */
export async function reportDocx(context: ReportContext, narrative: Record<string, string>): Promise<DocxFile> {
  const h = reportLetterhead(context);
  const d = context.document;
  const sectionNames = new Map(context.template.indicators.filter((i) => i.valueType === 'section').map((i) => [i.code, i.name]));
  const body: Array<Paragraph | Table> = [];
  if (d.opening) body.push(...paragraphsOf(d.opening));
  for (const key of sectionOrder(Object.keys(narrative))) {
    const text = narrative[key] ?? '';
    const title = d.sectionTitles?.[key] ?? sectionNames.get(key);
    const isRoman = ROMAN.includes(key.toUpperCase());
    body.push(heading(title ? `${isRoman ? `${key}. ` : ''}${upper(title)}` : isRoman ? `${key}.` : upper(key), { before: 200 }));
    body.push(...paragraphsOf(text));
  }
  const closing = d.closing ?? `Trên đây là báo cáo ${lowerFirst(h.title.replace(/\n/g, ' '))} của ${context.agency.name}./.`;
  body.push(...paragraphsOf(closing));

  const byCode = new Map(itemsOf(context).map((i) => [i.indicator, i]));
  const lines = annexLines(context.template.indicators, (code) => byCode.get(code));
  // The same title block as the annex workbook: title, "NĂM 2023 TẠI …", "(Kèm theo Báo cáo số … ngày … của …)".
  const [annexTitle = '', annexPeriod = '', annexRef = ''] = annexTitles({
    periodId: context.key.periodId,
    agencyName: context.agency.name,
    agencyCode: context.key.agencyCode,
    reference: annexReference(d, context.agency.name),
  });
  const annex: Array<Paragraph | Table> = [
    new Paragraph({ pageBreakBefore: true, alignment: AlignmentType.CENTER, children: [run(annexTitle, { bold: true, size: pt(13) })] }),
    centered([run(annexPeriod, { bold: true, size: pt(13) })]),
    centered([run(annexRef, { italics: true })], { before: 60, after: 200 }),
    dataTable(
      ANNEX_WIDTHS,
      ANNEX_HEADER,
      annexRows(lines, (l) => l.note),
      ANNEX_COLUMNS,
    ),
  ];
  const buffer = await pack(
    [headerBlock(h), ...titleBlock(h), ...body, new Paragraph({ spacing: { after: 120 }, children: [] }), closingBlock(h), ...annex],
    `Báo cáo ${context.key.periodId} ${context.agency.name}`,
  );
  return { filename: `bao-cao-${context.key.periodId}-${context.key.agencyCode}.docx`, contentType: DOCX_TYPE, body: buffer };
}

// --- the province summary ----------------------------------------------------------------------------------------

const STATE_LABELS: Record<string, string> = {
  none: 'Chưa gửi',
  draft: 'Đang soạn',
  submitted: 'Đã gửi',
  returned: 'Trả lại',
  accepted: 'Đã tiếp nhận',
};
const TIMELINESS_LABELS: Record<string, string> = { on_time: 'Đúng hạn', late: 'Trễ hạn' };
const percent = (v: number | null) => (v === null ? '' : `${formatViNumber(v)}%`);

export function createDocumentService(deps: {
  reader: ReportReader;
  reports: ReportService;
  dashboards: DashboardService;
  agencies: Pick<AgencyService, 'get'>;
}) {
  return {
    /** One report as its official document. */
    async report(key: ReportKey): Promise<DocxFile> {
      const context = await deps.reader.context(key);
      const report = await deps.reports.get(key);
      return reportDocx(context, report.narrative);
    },

    /**
     * The province's summary of a period for Sở Nội vụ: who reported (on time, late, missing), the roll-up over the
     * tree of `agency`, and the blocking and warning findings of each report that holds values.
     */
    async summary(periodId: string, options: { agency: string; issuer: string }): Promise<DocxFile> {
      const completeness = await deps.reports.completeness(periodId);
      const root = await deps.agencies.get(options.agency);
      const issuer = await deps.agencies.get(options.issuer);
      const parent = issuer.parentCode ? await deps.agencies.get(issuer.parentCode) : undefined;
      const rollup = await deps.dashboards.rollup({ period: periodId, agency: options.agency });
      const template = await deps.reader.templateOfPeriod(periodId);
      const label = periodLabel(periodId);

      const h: Letterhead = {
        governingBody: parent ? (parent.shortName ?? parent.name) : null,
        issuer: issuer.shortName ?? issuer.name,
        number: null,
        sign: signOf(issuer.code),
        place: placeOf(root.name) ?? placeOf(issuer.name),
        issuedOn: null,
        kind: 'BÁO CÁO',
        title: `Tổng hợp tình hình, kết quả báo cáo công tác cải cách hành chính ${label}`,
        recipients: [parent?.name ?? root.name],
        distribution: [`${parent?.shortName ?? root.shortName ?? root.name} (b/c);`, 'Các cơ quan, đơn vị;', 'Lưu: VT.'],
        signer: { authority: null, position: 'GIÁM ĐỐC', name: null },
      };

      const c = completeness;
      const children: Array<Paragraph | Table> = [headerBlock(h), ...titleBlock(h)];
      children.push(heading('I. TÌNH HÌNH GỬI BÁO CÁO', { before: 200 }));
      children.push(
        bodyParagraph(
          `Hạn gửi báo cáo: ngày ${viDate(c.dueOn)}. Có ${c.submitted}/${c.expected} cơ quan, đơn vị đã gửi báo cáo (${percent(c.submittedRate.value)}), ` +
            `trong đó ${c.onTime} đúng hạn (${percent(c.onTimeRate.value)}), ${c.late} trễ hạn; ${c.accepted} báo cáo đã được tiếp nhận; ${c.missing} cơ quan, đơn vị chưa gửi.`,
        ),
      );
      children.push(
        dataTable(
          [700, 4155, 1600, 1500, TEXT_WIDTH - 700 - 4155 - 1600 - 1500],
          ['STT', 'Cơ quan, đơn vị', 'Tình trạng', 'Ngày gửi', 'Thời hạn'],
          c.agencies.map((a, i) => ({
            cells: [String(i + 1), a.name, STATE_LABELS[a.state] ?? a.state, viDate(a.firstSubmittedAt), a.timeliness ? TIMELINESS_LABELS[a.timeliness]! : ''],
          })),
        ),
      );

      children.push(heading(`II. SỐ LIỆU TỔNG HỢP (${rollup.agenciesInTree} CƠ QUAN, ĐƠN VỊ)`, { before: 240 }));
      const byCode = new Map(rollup.items.map((i) => [i.indicator, i]));
      const lines = annexLines(template.indicators, (code) => {
        const item = byCode.get(code);
        return item ? { value: item.value, note: null } : undefined;
      });
      children.push(
        dataTable(
          ANNEX_WIDTHS,
          ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', 'Tổng hợp', 'Cách tổng hợp'],
          annexRows(lines, (l) => (l.heading ? '' : (byCode.get(l.code)?.rollup ?? ''))),
          ANNEX_COLUMNS,
        ),
      );

      children.push(heading('III. CÁC VẤN ĐỀ PHÁT HIỆN QUA KIỂM TRA SỐ LIỆU', { before: 240 }));
      let any = false;
      for (const a of c.agencies) {
        if (a.state === 'none') continue;
        const context = await deps.reader.context({ periodId, agencyCode: a.code });
        if (context.values.size === 0) continue;
        const findings = contextFindings(context).findings.filter((f) => f.severity === 'blocking' || f.severity === 'warning');
        if (findings.length === 0) continue;
        any = true;
        children.push(heading(`${a.name}:`));
        for (const f of findings) {
          children.push(bodyParagraph(`- ${f.severity === 'blocking' ? '**Lỗi chặn gửi**' : '**Cảnh báo**'} (${f.rule}): ${f.message}`));
        }
      }
      if (!any) children.push(bodyParagraph('Không phát hiện lỗi chặn gửi hoặc cảnh báo trong các báo cáo đã gửi.'));
      children.push(bodyParagraph(`Trên đây là báo cáo ${lowerFirst(h.title)} của ${issuer.name}./.`));
      children.push(new Paragraph({ spacing: { after: 120 }, children: [] }), closingBlock(h));
      const buffer = await pack(children, `Báo cáo tổng hợp ${periodId}`);
      return { filename: `bao-cao-tong-hop-${periodId}-${options.agency}.docx`, contentType: DOCX_TYPE, body: buffer };
    },
  };
}

export type DocumentService = ReturnType<typeof createDocumentService>;
