/**
 * @cchc/dossier-table: the one definition of the dossier-count table as one-stop-shop (một cửa) systems export
 * it, shared by the CLI (which reads CSV and XLSX files) and the service (which accepts text/csv). Pure: no I/O
 * but csv-parse.
 */
export { COUNT_FIELDS, DOSSIER_COLUMNS, type CountField, type DossierColumn, type DossierCount, type DossierField } from './columns.js';
export { headerKey } from './fold.js';
export { MAX_COUNT, plainCell, readAsOf, readCount, readDay, type Plain, type Read } from './cells.js';
export { brokenIdentity, IDENTITIES, type IdentityCode } from './identities.js';
export { readDossierTable, type DossierTable, type DossierTableError, type DossierTableOptions } from './table.js';
export { detectDelimiter, parseDossierCsv, readCsvCells } from './csv.js';
