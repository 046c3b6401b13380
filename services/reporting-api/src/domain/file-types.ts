/**
 * Which files a document may have attached, and whether the bytes are what they claim. Evidence is PDF or office
 * files; a file whose first bytes contradict its declared type (an executable sent as application/pdf) is
 * refused. `application/octet-stream` is accepted when the bytes and the file name's extension agree on a type,
 * since that is what Swagger UI and many scripts send.
 */
type Signature = 'pdf' | 'zip' | 'ole' | 'rtf';

const SIGNATURES: Array<[Signature, Buffer]> = [
  ['pdf', Buffer.from('%PDF-', 'latin1')],
  ['zip', Buffer.from([0x50, 0x4b, 0x03, 0x04])],
  ['ole', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])],
  ['rtf', Buffer.from('{\\rtf', 'latin1')],
];

/** Accepted media types: the signature their bytes start with and the usual extensions. */
export const FILE_TYPES: Record<string, { signature: Signature; extensions: string[] }> = {
  'application/pdf': { signature: 'pdf', extensions: ['pdf'] },
  'application/msword': { signature: 'ole', extensions: ['doc'] },
  'application/vnd.ms-excel': { signature: 'ole', extensions: ['xls'] },
  'application/vnd.ms-powerpoint': { signature: 'ole', extensions: ['ppt'] },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { signature: 'zip', extensions: ['docx'] },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { signature: 'zip', extensions: ['xlsx'] },
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': { signature: 'zip', extensions: ['pptx'] },
  'application/vnd.oasis.opendocument.text': { signature: 'zip', extensions: ['odt'] },
  'application/vnd.oasis.opendocument.spreadsheet': { signature: 'zip', extensions: ['ods'] },
  'application/vnd.oasis.opendocument.presentation': { signature: 'zip', extensions: ['odp'] },
  'application/rtf': { signature: 'rtf', extensions: ['rtf'] },
};
export const OCTET_STREAM = 'application/octet-stream';
export const ACCEPTED_UPLOAD_TYPES = [...Object.keys(FILE_TYPES), OCTET_STREAM];

export function signatureOf(bytes: Buffer): Signature | undefined {
  return SIGNATURES.find(([, magic]) => bytes.subarray(0, magic.length).equals(magic))?.[0];
}

/**
 * The media type to store for an upload, or why it is refused. `declared` is the request's Content-Type
 * without parameters.
 */
export function fileTypeOf(declared: string, filename: string, bytes: Buffer): { contentType: string } | { refused: string } {
  const signature = signatureOf(bytes);
  if (declared !== OCTET_STREAM) {
    const expected = FILE_TYPES[declared];
    if (!expected) return { refused: `${declared} is not a PDF or office file type` };
    if (signature !== expected.signature) return { refused: `The bytes are not a ${declared} file` };
    return { contentType: declared };
  }
  const extension = /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  const match = Object.entries(FILE_TYPES).find(([, t]) => t.extensions.includes(extension ?? '') && t.signature === signature);
  return match
    ? { contentType: match[0] }
    : { refused: 'Sent as application/octet-stream, the file must be a PDF or office file whose name ends in its extension (.pdf, .docx, .xlsx, …)' };
}
