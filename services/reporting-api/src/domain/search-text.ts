/**
 * Search keys for Vietnamese text. People type without diacritics ("so noi vu" must find "Sở Nội vụ"), so
 * every searchable name is stored beside a folded key and queries are folded the same way. Folding here, in
 * one function, rather than with Postgres `unaccent` keeps PGlite and a real server identical and covers
 * đ/Đ, which is a letter of its own, not a letter with a combining mark (and Ð/ð, which legacy-encoding
 * converters write for it).
 */
export function foldForSearch(text: string): string {
  return withoutDiacritics(text).toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The text with its marks dropped and Đ as D ("Kế hoạch 01.pdf" → "Ke hoach 01.pdf"), case kept. */
export function withoutDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đð]/g, 'd')
    .replace(/[ĐÐ]/g, 'D');
}

/** Escapes LIKE wildcards so a user's `%` or `_` matches itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
