// The union of several ordered lists, keeping each list's order: an item first seen in a later list
// goes just before the next item of its list that is already placed (after its predecessor), or at
// the end. Deterministic for the same inputs, and it keeps document order (stages in plan order, YAML
// keys as written) instead of sorting alphabetically.

export function orderedUnion(lists: readonly (readonly string[])[]): string[] {
  const merged: string[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    let previous = -1; // index in `merged` of this list's previous item
    list.forEach((item, j) => {
      if (seen.has(item)) {
        previous = merged.indexOf(item);
        return;
      }
      const successor = list.slice(j + 1).find((next) => seen.has(next));
      const before = successor === undefined ? -1 : merged.indexOf(successor);
      const at = before > previous ? before : successor === undefined ? merged.length : previous + 1;
      merged.splice(at, 0, item);
      seen.add(item);
      previous = at;
    });
  }
  return merged;
}
