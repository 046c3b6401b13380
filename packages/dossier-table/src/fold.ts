/**
 * Header keys. One-stop-shop systems and the people who retype their exports write the same header many ways
 * ("Mã đơn vị", "MA DON VI", "Mã  đơn vị:", "Ma don vi (*)"), so a header is compared by its folded key: marks
 * dropped the way the service's search folding drops them (NFD, then đ/Đ — a letter of its own — and the ð/Ð that
 * legacy-encoding converters write for it, as d), lower case, a parenthesised note removed ("Ngày (dd/mm/yyyy)"),
 * and everything but letters and digits removed. Our field names fold to keys too ("receivedNew" → "receivednew").
 */
export function headerKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đðĐÐ]/g, 'd')
    .toLowerCase()
    .replace(/\([^()]*\)/g, '')
    .replace(/[^a-z0-9]+/g, '');
}
