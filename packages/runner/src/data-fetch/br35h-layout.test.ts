import { describe, expect, it } from 'vitest';
import { br35hRole, topFolders } from './br35h-layout.js';

describe('br35hRole', () => {
  it("GitHub's archive: yes/ no/ pred/ under the wrapper folder", () => {
    expect(br35hRole('Brain-Tumor-Detection-Dataset-main/yes/y12.jpg')).toBe('tumour');
    expect(br35hRole('Brain-Tumor-Detection-Dataset-main/no/no3.jpg')).toBe('normal');
    expect(br35hRole('Brain-Tumor-Detection-Dataset-main/pred/pred0.jpg')).toBe('unlabelled');
  });

  it("Kaggle's zip: the folders at the top, any case", () => {
    expect(br35hRole('yes/y0.jpg')).toBe('tumour');
    expect(br35hRole('No/no0.jpg')).toBe('normal');
    expect(br35hRole('Pred\\pred1.jpg')).toBe('unlabelled');
  });

  it('never the Mask-RCNN copies, folders, hidden files, resource forks or files outside the class folders', () => {
    expect(br35hRole('Brain-Tumor-Detection-Dataset-main/Br35H-Mask-RCNN/TRAIN/y0.jpg')).toBeNull();
    expect(br35hRole('Br35H-Mask-RCNN/TEST/y701.jpg')).toBeNull();
    expect(br35hRole('Brain-Tumor-Detection-Dataset-main/yes/')).toBeNull();
    expect(br35hRole('Brain-Tumor-Detection-Dataset-main/yes/.DS_Store')).toBeNull();
    expect(br35hRole('__MACOSX/yes/._y0.jpg')).toBeNull();
    expect(br35hRole('Brain-Tumor-Detection-Dataset-main/converpic.jpg')).toBeNull();
    expect(br35hRole('y0.jpg')).toBeNull();
  });
});

describe('topFolders', () => {
  it('looks through one wrapper folder', () => {
    expect(topFolders(['w/README.md', 'w/images/a.jpg', 'w/images/b.jpg', 'other/x/y/z.jpg'])).toEqual(['other/x', 'w', 'w/images']);
  });
});
