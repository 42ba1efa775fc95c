import { describe, expect, it } from 'vitest';

import { checkClassFolders } from './class-folders.js';

const dir = '/data/avec_labels';

describe('checkClassFolders', () => {
  it('passes when every class has a non-empty folder and nothing else is there', () => {
    expect(checkClassFolders(dir, { Cancer: 1, Normal: 0 }, [{ name: 'Cancer', files: 3 }, { name: 'Normal', files: 2 }])).toEqual([]);
  });

  it('catches the reference notebook bug: lower-case class names against capitalised folders', () => {
    const issues = checkClassFolders(dir, { cancer: 1, normal: 0 }, [
      { name: 'Cancer', files: 50 },
      { name: 'Normal', files: 50 },
    ]);
    expect(issues).toEqual([
      'data.labelled.classes: class "cancer" has no folder /data/avec_labels/cancer; did you mean "Cancer"? (folders found: Cancer, Normal)',
      'data.labelled.classes: class "normal" has no folder /data/avec_labels/normal; did you mean "Normal"? (folders found: Cancer, Normal)',
    ]);
  });

  it('reports empty class folders and folders missing from the map', () => {
    const issues = checkClassFolders(dir, { Tumor: 1, Normal: 0 }, [
      { name: 'Normal', files: 0 },
      { name: 'Tumour', files: 4 },
      { name: 'extra', files: 1 },
    ]);
    expect(issues).toEqual([
      'data.labelled.classes: class "Normal" has an empty folder /data/avec_labels/Normal',
      'data.labelled.classes: class "Tumor" has no folder /data/avec_labels/Tumor; did you mean "Tumour"? (folders found: Normal, Tumour, extra)',
      'data.labelled.dir: folder /data/avec_labels/extra is not a class in data.labelled.classes; add it to data.labelled.classes or move it out (classes: Normal, Tumor)',
    ]);
  });

  it('reports a class without any near folder, and an empty label map', () => {
    expect(checkClassFolders(dir, { glioma: 1 }, [])).toEqual([
      'data.labelled.classes: class "glioma" has no folder /data/avec_labels/glioma (folders found: none)',
    ]);
    expect(checkClassFolders(dir, {}, [{ name: 'Cancer', files: 1 }])).toEqual([
      'data.labelled.classes: no classes given (folders found: Cancer)',
    ]);
  });
});
