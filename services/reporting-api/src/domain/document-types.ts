/**
 * The kinds of document a report cites, with the words that name them in running text and the abbreviations
 * that appear in their symbols (ký hiệu).
 *
 * - administrative documents: the types of Nghị định 30/2020/NĐ-CP, Phụ lục III, with its abbreviations;
 *   công văn and thư công have none;
 * - legal normative documents (Luật ban hành văn bản quy phạm pháp luật): Luật, Nghị định, Thông tư, …;
 *   they carry their year in the number (28/2011/QĐ-UBND);
 * - Party documents (Hướng dẫn 36-HD/VPTW): the same names mostly, written number-type/issuer (18-CT/TU), with
 *   a few types of their own (Kết luận, Thông tri, Quy hoạch). A Party Quy định is abbreviated QĐ.
 *
 * The slug is the stable code the API speaks; the Vietnamese name is what people read.
 */
/** The three families above, in that order. */
export const DOCUMENT_FAMILIES = ['administrative', 'normative', 'party'] as const;
export type DocumentFamily = (typeof DOCUMENT_FAMILIES)[number];

export interface DocumentTypeInfo {
  code: string;
  name: string;
  family: DocumentFamily;
  /** Abbreviations as written in symbols; the first is the usual one. */
  abbreviations: readonly string[];
}

export const DOCUMENT_TYPES = [
  { code: 'nghi-quyet', name: 'Nghị quyết', family: 'administrative', abbreviations: ['NQ'] },
  { code: 'quyet-dinh', name: 'Quyết định', family: 'administrative', abbreviations: ['QĐ'] },
  { code: 'chi-thi', name: 'Chỉ thị', family: 'administrative', abbreviations: ['CT'] },
  { code: 'quy-che', name: 'Quy chế', family: 'administrative', abbreviations: ['QC'] },
  { code: 'quy-dinh', name: 'Quy định', family: 'administrative', abbreviations: ['QyĐ'] },
  { code: 'thong-cao', name: 'Thông cáo', family: 'administrative', abbreviations: ['TC'] },
  { code: 'thong-bao', name: 'Thông báo', family: 'administrative', abbreviations: ['TB'] },
  { code: 'huong-dan', name: 'Hướng dẫn', family: 'administrative', abbreviations: ['HD'] },
  { code: 'chuong-trinh', name: 'Chương trình', family: 'administrative', abbreviations: ['CTr'] },
  { code: 'ke-hoach', name: 'Kế hoạch', family: 'administrative', abbreviations: ['KH'] },
  { code: 'phuong-an', name: 'Phương án', family: 'administrative', abbreviations: ['PA'] },
  { code: 'de-an', name: 'Đề án', family: 'administrative', abbreviations: ['ĐA'] },
  { code: 'du-an', name: 'Dự án', family: 'administrative', abbreviations: ['DA'] },
  { code: 'bao-cao', name: 'Báo cáo', family: 'administrative', abbreviations: ['BC'] },
  { code: 'bien-ban', name: 'Biên bản', family: 'administrative', abbreviations: ['BB'] },
  { code: 'to-trinh', name: 'Tờ trình', family: 'administrative', abbreviations: ['TTr'] },
  { code: 'hop-dong', name: 'Hợp đồng', family: 'administrative', abbreviations: ['HĐ'] },
  { code: 'cong-van', name: 'Công văn', family: 'administrative', abbreviations: [] },
  { code: 'cong-dien', name: 'Công điện', family: 'administrative', abbreviations: ['CĐ'] },
  { code: 'ban-ghi-nho', name: 'Bản ghi nhớ', family: 'administrative', abbreviations: ['GN'] },
  { code: 'ban-thoa-thuan', name: 'Bản thỏa thuận', family: 'administrative', abbreviations: ['TTh'] },
  { code: 'giay-uy-quyen', name: 'Giấy ủy quyền', family: 'administrative', abbreviations: ['GUQ'] },
  { code: 'giay-moi', name: 'Giấy mời', family: 'administrative', abbreviations: ['GM'] },
  { code: 'giay-gioi-thieu', name: 'Giấy giới thiệu', family: 'administrative', abbreviations: ['GGT'] },
  { code: 'giay-nghi-phep', name: 'Giấy nghỉ phép', family: 'administrative', abbreviations: ['NP'] },
  { code: 'phieu-gui', name: 'Phiếu gửi', family: 'administrative', abbreviations: ['PG'] },
  { code: 'phieu-chuyen', name: 'Phiếu chuyển', family: 'administrative', abbreviations: ['PC'] },
  { code: 'phieu-bao', name: 'Phiếu báo', family: 'administrative', abbreviations: ['PB'] },
  { code: 'thu-cong', name: 'Thư công', family: 'administrative', abbreviations: [] },
  { code: 'hien-phap', name: 'Hiến pháp', family: 'normative', abbreviations: [] },
  { code: 'bo-luat', name: 'Bộ luật', family: 'normative', abbreviations: [] },
  { code: 'luat', name: 'Luật', family: 'normative', abbreviations: [] },
  { code: 'phap-lenh', name: 'Pháp lệnh', family: 'normative', abbreviations: [] },
  { code: 'nghi-dinh', name: 'Nghị định', family: 'normative', abbreviations: ['NĐ'] },
  { code: 'thong-tu', name: 'Thông tư', family: 'normative', abbreviations: ['TT'] },
  { code: 'thong-tu-lien-tich', name: 'Thông tư liên tịch', family: 'normative', abbreviations: ['TTLT'] },
  { code: 'ket-luan', name: 'Kết luận', family: 'party', abbreviations: ['KL'] },
  { code: 'thong-tri', name: 'Thông tri', family: 'party', abbreviations: [] },
  { code: 'quy-hoach', name: 'Quy hoạch', family: 'party', abbreviations: ['QH'] },
] as const satisfies readonly DocumentTypeInfo[];

export type DocumentType = (typeof DOCUMENT_TYPES)[number]['code'];
/** The codes alone, in the table's order: the enum of the database column and of the API's DocumentType. */
export const DOCUMENT_TYPE_CODES = DOCUMENT_TYPES.map((t) => t.code) as [DocumentType, ...DocumentType[]];

const byCode = new Map<string, DocumentTypeInfo>(DOCUMENT_TYPES.map((t) => [t.code, t]));
export const documentTypeInfo = (code: DocumentType): DocumentTypeInfo => byCode.get(code)!;

/** Abbreviations compare without case and with Đ (and its look-alike Ð) read as D: reports write "CD-TTg" for CĐ-TTg. */
export const abbreviationKey = (abbreviation: string) => abbreviation.replace(/[đĐðÐ]/g, 'D').toUpperCase();

/**
 * The type an abbreviation names: as written first (HĐ hợp đồng, HD hướng dẫn), then without case and with Đ
 * read as D, the first type in the table winning. Party documents abbreviate Quy định as QĐ; the word in the
 * text decides that, not this table. "CV" marks a Party công văn.
 */
const exactAbbreviation = new Map<string, DocumentType>([
  ...DOCUMENT_TYPES.flatMap((t) => t.abbreviations.map((a) => [a, t.code] as [string, DocumentType])),
  ['CV', 'cong-van'],
]);
const foldedAbbreviation = new Map<string, DocumentType>();
for (const [abbreviation, code] of exactAbbreviation) {
  if (!foldedAbbreviation.has(abbreviationKey(abbreviation))) foldedAbbreviation.set(abbreviationKey(abbreviation), code);
}
export const typeOfAbbreviation = (abbreviation: string): DocumentType | undefined =>
  exactAbbreviation.get(abbreviation) ?? foldedAbbreviation.get(abbreviationKey(abbreviation));
