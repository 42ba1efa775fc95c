// Checks the label map against the class folders on disk. The reference notebook labelled by testing
// `"cancer" in path.parts` against a folder named `Cancer` and silently gave every image label 0; here
// any mismatch is an error that names the folder it probably meant.

import path from 'node:path';
import { suggest } from '../util/suggest.js';

export interface ClassFolder {
  /** Folder name under the labelled dir. */
  name: string;
  /** Non-hidden files directly inside it. */
  files: number;
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
      const hint = suggest(name, [...unclaimed].sort()) ?? suggest(name, [...folderNames].sort());
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
    const hint = suggest(name, classNames.filter((c) => !byName.has(c)).sort());
    const advice = hint !== undefined ? `did you mean class "${hint}"?` : 'add it to data.labelled.classes or move it out';
    issues.push(
      `data.labelled.dir: folder ${path.join(labelledDir, name)} is not a class in data.labelled.classes; ${advice} (classes: ${list(classNames)})`,
    );
  }
  return issues;
}
