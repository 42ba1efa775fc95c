import { describe, expect, it } from 'vitest';

import { DataError } from './data-error.js';

describe('DataError', () => {
  it('carries its issues and is recognisable after a throw', () => {
    const err = new DataError('bad data', ['a', 'b']);
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(DataError);
    expect(err.name).toBe('DataError');
    expect(err.issues).toEqual(['a', 'b']);
  });

  it('fromIssues: one issue is the message; several get a header and a list', () => {
    expect(DataError.fromIssues('header', ['only one']).message).toBe('only one');
    const many = DataError.fromIssues('2 problems', ['first', 'second']);
    expect(many.message).toBe('2 problems:\n  - first\n  - second');
    expect(many.issues).toEqual(['first', 'second']);
  });
});
