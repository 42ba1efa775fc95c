// README.txt of a fetched dataset: whose images these are, where they came from (with the archive's
// checksum, so the same data can be fetched again), the licence as the source states it, and how the
// folder was built from them.

import { BR35H_AUTHOR, BR35H_KAGGLE_URL, BR35H_LICENCE, BR35H_REPO_URL, BR35H_TITLE } from './br35h-source.js';

export const ATTRIBUTION_FILE = 'README.txt';

export interface AttributionInfo {
  /** The URL downloaded, or "local file <name>" for --archive. */
  archive: string;
  archiveSha256: string;
  archiveBytes: number;
  seed: number;
  duplicatesThreshold: number;
  /** Class folder → images. */
  labelled: Readonly<Record<string, number>>;
  /** Class folder → the source folder it was taken from. */
  sourceFolders: Readonly<Record<string, string>>;
  unlabelled: number;
  /** Unlabelled images with a row in the labels CSV. */
  withTruth: number;
  labelsFile: string;
  experimentFile: string;
  /** Lines on what was merged or left out. */
  notes: readonly string[];
}

/** Greedy word wrap; continuation lines get `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line].join('\n');
}

export function attributionText(i: AttributionInfo): string {
  const title = `${BR35H_TITLE} — ${BR35H_AUTHOR}`;
  const classes = Object.entries(i.labelled).map(
    ([name, n]) => `  ${`avec_labels/${name}/`.padEnd(24)}${String(n).padStart(6)} images from ${i.sourceFolders[name] ?? '?'}`,
  );
  return [
    title,
    '='.repeat(title.length),
    '',
    `Dataset   ${BR35H_TITLE}, by ${BR35H_AUTHOR} (2020)`,
    `Source    ${BR35H_REPO_URL}`,
    `          also on Kaggle: ${BR35H_KAGGLE_URL}`,
    `Archive   ${i.archive}`,
    `          ${i.archiveBytes} bytes, sha256 ${i.archiveSha256}`,
    wrap(`Licence   ${BR35H_LICENCE}`, 100, ' '.repeat(10)),
    '',
    `When you use these images, cite "${BR35H_TITLE}" by ${BR35H_AUTHOR}, with the source above.`,
    '',
    `What this folder holds (written by \`runner data fetch br35h\`, seed ${i.seed})`,
    ...classes,
    `  ${'sans_label/'.padEnd(24)}${String(i.unlabelled).padStart(6)} images whose class is not given to training`,
    `  ${i.labelsFile.padEnd(24)}${String(i.withTruth).padStart(6)} rows: the true class of those sans_label images that have one (benchmark only)`,
    `  ${i.experimentFile.padEnd(24)}       the experiment: npx runner <this folder>/${i.experimentFile}`,
    '',
    'Files are the archive\'s bytes, renamed to the first 16 hex digits of their MD5 (extension from the content),',
    "so that a name never tells the class: Br35H's own names do (y12.jpg is a tumour, no3.jpg is not).",
    `Near-duplicates (64-bit dHash within ${i.duplicatesThreshold} bits, grouped transitively) were kept on one side:`,
    'no labelled image has a near-duplicate in sans_label.',
    ...i.notes,
    '',
  ].join('\n');
}
