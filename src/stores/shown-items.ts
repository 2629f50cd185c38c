/**
 * Adds a shown list's items to `items`. A frozen list (a cached answer's, shown again and again)
 * cannot change, so it is added once and known by identity afterwards through `lists`.
 */
export function addShownItems (items: Set<string>, lists: WeakSet<readonly string[]>, shown: readonly string[]): void {
  if (Object.isFrozen(shown)) {
    if (lists.has(shown)) return
    lists.add(shown)
  }
  for (const item of shown) items.add(item)
}
