// Checks the label map against the class folders on disk. The reference notebook labelled by testing
// `"cancer" in path.parts` against a folder named `Cancer` and silently gave every image label 0; here
// any mismatch is an error that names the folder it probably meant.

import path from 'node:path';

export interface ClassFolder {
  /** Folder name under the labelled dir. */
  name: string;
  /** Non-hidden files directly inside it. */
  files: number;
}

/** Edit distance (insertions, deletions, substitutions), two-row dynamic programme. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const curr = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      curr[j] = Math.min((prev[j] ?? 0) + 1, (curr[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = curr;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate `name` was probably meant as: a case-insensitive equal first, else the closest by
 * case-insensitive edit distance, if within a third of the longer name (at least 1). Ties go to the
 * alphabetically first candidate so messages are stable.
 */
export function suggestName(name: string, candidates: readonly string[]): string | undefined {
  const sorted = [...candidates].sort();
  const lower = name.toLowerCase();
  const sameCase = sorted.find((c) => c.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of sorted) {
    const d = levenshtein(lower, candidate.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(name.length, candidate.length) / 3));
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

const list = (names: readonly string[]): string => (names.length > 0 ? [...names].sort().join(', ') : 'none');

/**
 * Issues (empty when all is well) for the label map `classes` against the folders found in
 * `labelledDir`: a class without a folder, a class folder without files, a folder not in the map.
 */
export function checkClassFolders(
  labelledDir: string,
  classes: Readonly<Record<string, number>>,
  folders: readonly ClassFolder[],
): string[] {
  const issues: string[] = [];
  const classNames = Object.keys(classes);
  const folderNames = folders.map((f) => f.name);
  if (classNames.length === 0) {
    return [`data.labelled.classes: no classes given (folders found: ${list(folderNames)})`];
  }
  const byName = new Map(folders.map((f) => [f.name, f]));
  // Folders already claimed by an exact class name are poor suggestions for another class.
  const unclaimed = folderNames.filter((f) => !(f in classes));
  const suggested = new Set<string>();

  for (const name of [...classNames].sort()) {
    const folder = byName.get(name);
    if (folder === undefined) {
      const hint = suggestName(name, unclaimed) ?? suggestName(name, folderNames);
      if (hint !== undefined) suggested.add(hint);
      const didYouMean = hint !== undefined ? `; did you mean "${hint}"?` : '';
      issues.push(
        `data.labelled.classes: class "${name}" has no folder ${path.join(labelledDir, name)}${didYouMean} (folders found: ${list(folderNames)})`,
      );
    } else if (folder.files === 0) {
      issues.push(`data.labelled.classes: class "${name}" has an empty folder ${path.join(labelledDir, name)}`);
    }
  }

  for (const name of [...unclaimed].sort()) {
    if (suggested.has(name)) continue; // already reported as the likely meaning of a missing class
    const hint = suggestName(name, classNames.filter((c) => !byName.has(c)));
    const advice = hint !== undefined ? `did you mean class "${hint}"?` : 'add it to data.labelled.classes or move it out';
    issues.push(
      `data.labelled.dir: folder ${path.join(labelledDir, name)} is not a class in data.labelled.classes; ${advice} (classes: ${list(classNames)})`,
    );
  }
  return issues;
}
