/**
 * The dossier-count table as one-stop-shop (một cửa) systems export it: one row per agency, procedure, day and
 * source, with the day's counts. Each column has our field name (the API's DossierCount), the Vietnamese header
 * we write, and the other headers we accept when reading. Aliases are compared folded (see fold.ts).
 *
 * "Quá hạn" and "Trễ hạn" alone are ambiguous: exports use them under "Đã giải quyết" (resolved late) and under
 * "Đang giải quyết" (pending overdue). They are not aliases of either column; table.ts reads them from the group
 * they stand in (see CONTEXTUAL_HEADERS). Prefer the full headers "Giải quyết quá hạn" / "Đang giải quyết quá hạn".
 */
import { headerKey } from './fold.js';

export const COUNT_FIELDS = [
  'receivedNew',
  'carriedOver',
  'receivedOnline',
  'receivedInPerson',
  'receivedPostal',
  'resolved',
  'resolvedEarly',
  'resolvedOnTime',
  'resolvedLate',
  'pending',
  'pendingWithin',
  'pendingOverdue',
  'withdrawn',
] as const;
export type CountField = (typeof COUNT_FIELDS)[number];

export type KeyField = 'agency' | 'procedure' | 'date' | 'source' | 'asOf';
export type DossierField = KeyField | CountField;

/** One row as PUT /v1/dossier-counts takes it. A count left blank in the file is absent (not reported, not 0). */
export type DossierCount = {
  agency: string;
  procedure: string;
  /** yyyy-mm-dd: the day the counts are for */
  date: string;
  /** the system that counted, e.g. motcua-soctrang */
  source: string;
  /** ISO date-time (UTC, Z): when the snapshot was taken */
  asOf: string;
} & { [F in CountField]?: number | null };

export interface DossierColumn {
  field: DossierField;
  /**
   * agency, procedure and date must be in every row. source and asOf must be too, but may come from the reader's
   * defaults (a file from one system rarely says which system it is from). Counts may be blank.
   */
  required: boolean;
  /** The header we write, and the first we look for. */
  header: string;
  /** Other headers accepted when reading (the field name is accepted too). */
  aliases: readonly string[];
  /** What the column holds, for documentation. */
  meaning: string;
}

export const DOSSIER_COLUMNS: readonly DossierColumn[] = [
  {
    field: 'agency',
    required: true,
    header: 'Mã đơn vị',
    aliases: ['Mã cơ quan', 'Mã đơn vị tiếp nhận', 'Mã cơ quan giải quyết', 'agencyCode'],
    meaning: 'Code of the agency that handles the dossiers (e.g. BQL-KCN)',
  },
  {
    field: 'procedure',
    required: true,
    header: 'Mã thủ tục',
    aliases: ['Mã TTHC', 'Mã thủ tục hành chính', 'Mã số thủ tục', 'procedureCode'],
    meaning: 'Procedure code (e.g. BQL-KCN.XD.01)',
  },
  {
    field: 'date',
    required: true,
    header: 'Ngày',
    aliases: ['Ngày tiếp nhận', 'Ngày số liệu', 'Ngày thống kê', 'day'],
    meaning: 'The day the counts are for',
  },
  {
    field: 'source',
    required: true,
    header: 'Nguồn',
    aliases: ['Hệ thống', 'Nguồn dữ liệu', 'Hệ thống một cửa'],
    meaning: 'The system that counted (e.g. motcua-soctrang); default from the reader',
  },
  {
    field: 'asOf',
    required: true,
    header: 'Thời điểm số liệu',
    aliases: ['Thời điểm lấy số liệu', 'Thời điểm trích xuất', 'Thời điểm'],
    meaning: 'When the snapshot was taken; an older one than stored is ignored (stale); default from the reader',
  },
  {
    field: 'receivedNew',
    required: false,
    header: 'Tiếp nhận mới',
    aliases: ['Mới tiếp nhận', 'Số mới tiếp nhận', 'Tiếp nhận trong kỳ', 'Hồ sơ tiếp nhận mới'],
    meaning: 'Dossiers received that day',
  },
  {
    field: 'carriedOver',
    required: false,
    header: 'Kỳ trước chuyển qua',
    aliases: ['Từ kỳ trước chuyển qua', 'Kỳ trước chuyển sang', 'Tồn kỳ trước'],
    meaning: 'Dossiers carried over from before',
  },
  {
    field: 'receivedOnline',
    required: false,
    header: 'Trực tuyến',
    aliases: ['Tiếp nhận trực tuyến', 'Nộp trực tuyến'],
    meaning: 'Of the received: online',
  },
  {
    field: 'receivedInPerson',
    required: false,
    header: 'Trực tiếp',
    aliases: ['Tiếp nhận trực tiếp', 'Nộp trực tiếp'],
    meaning: 'Of the received: in person',
  },
  {
    field: 'receivedPostal',
    required: false,
    header: 'Qua dịch vụ bưu chính công ích',
    aliases: ['BCCI', 'Qua BCCI', 'Bưu chính công ích', 'Tiếp nhận qua BCCI', 'Qua bưu chính'],
    meaning: 'Of the received: by public postal service (BCCI)',
  },
  {
    field: 'resolved',
    required: false,
    header: 'Đã giải quyết',
    aliases: ['Số hồ sơ đã giải quyết', 'Tổng số đã giải quyết'],
    meaning: 'Dossiers resolved = early + on time + late',
  },
  {
    field: 'resolvedEarly',
    required: false,
    header: 'Giải quyết trước hạn',
    aliases: ['Trước hạn', 'Đã giải quyết trước hạn'],
    meaning: 'Resolved before the deadline',
  },
  {
    field: 'resolvedOnTime',
    required: false,
    header: 'Giải quyết đúng hạn',
    aliases: ['Đúng hạn', 'Đã giải quyết đúng hạn'],
    meaning: 'Resolved on the deadline',
  },
  {
    field: 'resolvedLate',
    required: false,
    header: 'Giải quyết quá hạn',
    aliases: ['Giải quyết trễ hạn', 'Đã giải quyết quá hạn', 'Đã giải quyết trễ hạn'],
    meaning: 'Resolved after the deadline ("Quá hạn"/"Trễ hạn" after a resolved column)',
  },
  {
    field: 'pending',
    required: false,
    header: 'Đang giải quyết',
    aliases: ['Số hồ sơ đang giải quyết', 'Đang xử lý'],
    meaning: 'Dossiers still pending = within the deadline + overdue',
  },
  {
    field: 'pendingWithin',
    required: false,
    header: 'Đang giải quyết trong hạn',
    aliases: ['Trong hạn', 'Chưa đến hạn', 'Đang giải quyết chưa đến hạn'],
    meaning: 'Pending, still within the deadline',
  },
  {
    field: 'pendingOverdue',
    required: false,
    header: 'Đang giải quyết quá hạn',
    aliases: ['Đang giải quyết trễ hạn'],
    meaning: 'Pending, past the deadline ("Quá hạn"/"Trễ hạn" after a pending column)',
  },
  {
    field: 'withdrawn',
    required: false,
    header: 'Rút hồ sơ',
    aliases: ['Đã rút', 'Hồ sơ rút', 'Đã rút hồ sơ', 'Rút'],
    meaning: 'Dossiers withdrawn by the applicant',
  },
];

/**
 * Headers whose field depends on the group they stand in: the nearest column to their left that belongs to the
 * resolved group (resolved, early, on time) or to the pending group (pending, within).
 */
export const CONTEXTUAL_HEADERS: ReadonlyMap<string, { resolved: CountField; pending: CountField }> = new Map(
  ['Quá hạn', 'Trễ hạn'].map((h) => [headerKey(h), { resolved: 'resolvedLate', pending: 'pendingOverdue' }]),
);
export const GROUP_OF: Partial<Record<DossierField, 'resolved' | 'pending'>> = {
  resolved: 'resolved',
  resolvedEarly: 'resolved',
  resolvedOnTime: 'resolved',
  resolvedLate: 'resolved',
  pending: 'pending',
  pendingWithin: 'pending',
  pendingOverdue: 'pending',
};

/** Folded header → field. Built once; an alias claimed by two fields is a bug in the table above, so it throws. */
export const FIELD_BY_HEADER: ReadonlyMap<string, DossierField> = (() => {
  const map = new Map<string, DossierField>();
  for (const column of DOSSIER_COLUMNS) {
    for (const text of [column.header, column.field, ...column.aliases]) {
      const key = headerKey(text);
      const other = map.get(key);
      if ((other && other !== column.field) || CONTEXTUAL_HEADERS.has(key)) throw new Error(`header "${text}" is claimed twice`);
      map.set(key, column.field);
    }
  }
  return map;
})();

export const COLUMN_OF: ReadonlyMap<DossierField, DossierColumn> = new Map(DOSSIER_COLUMNS.map((c) => [c.field, c]));
