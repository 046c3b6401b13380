/** The members of a partial update that were given: `undefined` means "leave as it is", `null` means "clear". */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
