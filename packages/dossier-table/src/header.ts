/**
 * Finding the header row. Exports often start with title rows ("BÁO CÁO SỐ LIỆU HỒ SƠ TTHC", the agency, the
 * period) above the table, so the header is the first row that names the agency, procedure and date columns;
 * everything above it is skipped. Columns we do not know ("STT", "Tên thủ tục") are ignored.
 */
import { CONTEXTUAL_HEADERS, FIELD_BY_HEADER, GROUP_OF, type DossierField } from './columns.js';
import { headerKey } from './fold.js';
import { plainCell } from './cells.js';

export interface HeaderIssue {
  column: string;
  code: 'DUPLICATE_COLUMN' | 'AMBIGUOUS_COLUMN';
  message: string;
}

export interface HeaderRow {
  /** field → index of its cell in each row */
  fields: Map<DossierField, number>;
  /** the header as the file writes it, by field */
  written: Map<DossierField, string>;
  issues: HeaderIssue[];
}

export const KEY_COLUMNS: readonly DossierField[] = ['agency', 'procedure', 'date'];

/** Reads one row as a header; "Quá hạn" takes its field from the nearest grouped column to its left. */
export function readHeaderRow(row: readonly unknown[]): HeaderRow {
  const fields = new Map<DossierField, number>();
  const written = new Map<DossierField, string>();
  const issues: HeaderIssue[] = [];
  let group: 'resolved' | 'pending' | undefined;
  row.forEach((cell, index) => {
    const plain = plainCell(cell);
    const text = typeof plain === 'string' ? plain.trim() : '';
    const key = headerKey(text);
    if (key === '') return;
    let field = FIELD_BY_HEADER.get(key);
    const contextual = CONTEXTUAL_HEADERS.get(key);
    if (!field && contextual) {
      if (!group) {
        const message =
          `"${text}" could be resolved late or pending overdue: place it after an "Đã giải quyết" or "Đang giải quyết" column, ` +
          'or write "Giải quyết quá hạn" / "Đang giải quyết quá hạn"';
        issues.push({ column: text, code: 'AMBIGUOUS_COLUMN', message });
        return;
      }
      field = contextual[group];
    }
    if (!field) return;
    group = GROUP_OF[field];
    if (fields.has(field)) {
      issues.push({ column: field, code: 'DUPLICATE_COLUMN', message: `"${text}" and "${written.get(field)}" are both ${field}` });
      return;
    }
    fields.set(field, index);
    written.set(field, text);
  });
  return { fields, written, issues };
}

export function isHeaderRow(header: HeaderRow): boolean {
  return KEY_COLUMNS.every((f) => header.fields.has(f));
}
