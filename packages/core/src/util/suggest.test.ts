import { describe, expect, it } from 'vitest';
import { editDistance, suggest } from './suggest.js';

describe('editDistance', () => {
  it('counts edits', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('tumor', 'tumour')).toBe(1);
  });
});

describe('suggest', () => {
  it('prefers a case-insensitive match, then the closest name within reach', () => {
    expect(suggest('cancer', ['Cancer', 'Normal'])).toBe('Cancer');
    expect(suggest('Tumor', ['Normal', 'Tumour'])).toBe('Tumour');
    expect(suggest('yes', ['no', 'Normal'])).toBeUndefined();
    expect(suggest('glioma', [])).toBeUndefined();
  });
});

