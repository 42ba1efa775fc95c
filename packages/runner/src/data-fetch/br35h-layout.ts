// Which entries of a Br35H zip are images, and of what kind. The author's layout (GitHub repository
// and Kaggle upload alike): yes/ = 1500 tumour slices (y0.jpg…), no/ = 1500 without (no0.jpg…),
// pred/ = 60 slices given without a label (pred0.jpg…). Br35H-Mask-RCNN/{TRAIN,VAL,TEST}/ holds
// copies of yes/ images with segmentation polygons: never read, or every copy would count twice.

export type Br35hRole = 'tumour' | 'normal' | 'unlabelled';

/** Folder name (any case) → role. */
export const BR35H_FOLDERS: Readonly<Record<string, Br35hRole>> = { yes: 'tumour', no: 'normal', pred: 'unlabelled' };

/** The class folder each labelled role becomes under avec_labels/, and the experiment's class indices. */
export const BR35H_CLASS_OF: Readonly<Record<Exclude<Br35hRole, 'unlabelled'>, string>> = { tumour: 'Cancer', normal: 'Normal' };
export const BR35H_CLASSES: Readonly<Record<string, number>> = { Cancer: 1, Normal: 0 };

/**
 * The role of a zip entry, or null when it is not one of the dataset's images. The class folder must sit
 * at the top of the archive (Kaggle's zip: `yes/y0.jpg`) or one wrapper folder down (GitHub's zip:
 * `Brain-Tumor-Detection-Dataset-main/yes/y0.jpg`); deeper folders (the Mask-RCNN copies), folders
 * themselves, hidden files and macOS resource forks are not images of the dataset.
 */
export function br35hRole(entryName: string): Br35hRole | null {
  const segments = entryName.replace(/\\/g, '/').split('/');
  if (segments.length < 2 || segments.length > 3) return null;
  const file = segments[segments.length - 1] ?? '';
  const folder = (segments[segments.length - 2] ?? '').toLowerCase();
  if (file === '' || file.startsWith('.') || segments.some((s) => s === '__MACOSX')) return null;
  return BR35H_FOLDERS[folder] ?? null;
}

/** The top of an entry name, for "this is what the archive holds instead" messages. */
export function topFolders(entryNames: Iterable<string>): string[] {
  const tops = new Set<string>();
  for (const name of entryNames) {
    const segments = name.replace(/\\/g, '/').split('/').filter((s) => s !== '');
    // A single wrapper folder (GitHub's) is looked through, so the listing shows the dataset's folders.
    tops.add(segments.slice(0, Math.min(2, segments.length - 1)).join('/') || (segments[0] ?? ''));
  }
  return [...tops].filter((t) => t !== '').sort();
}
