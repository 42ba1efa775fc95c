import { describe, expect, it } from 'vitest';
import { ConfigError } from '@neuro-ssl/core/config';
import { YamlSource } from './yaml-source.js';

const text = ['name: demo', 'data:', '  root: ./x', '  empty:', 'stages:', '  - use: a', '    with: {k: 1}', '  - use: b', ''].join('\n');

describe('YamlSource.locate', () => {
  const source = YamlSource.parse(text, '/f.yaml');

  it('finds values, and keys on request', () => {
    expect(source.locate(['data', 'root'])).toEqual({ line: 3, column: 9 });
    expect(source.locate(['data', 'root'], { preferKey: true })).toEqual({ line: 3, column: 3 });
    expect(source.locate(['stages', 0, 'with', 'k'])).toEqual({ line: 7, column: 15 });
    expect(source.locate(['stages', 1])).toEqual({ line: 8, column: 5 });
  });

  it('stops at the deepest node that exists', () => {
    expect(source.locate(['data', 'missing', 'deeper'])).toEqual({ line: 3, column: 3 });
    expect(source.locate(['stages', 5, 'use'])).toEqual({ line: 6, column: 3 });
    expect(source.locate(['stages', 1, 'with'])).toEqual({ line: 8, column: 5 });
    expect(source.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('points at the key of an entry without a value', () => {
    expect(source.locate(['data', 'empty'])).toEqual({ line: 4, column: 3 });
    expect(source.locate(['data', 'empty', 'x'])).toEqual({ line: 4, column: 3 });
  });

  it('follows aliases', () => {
    const s = YamlSource.parse('base: &b {size: 3}\nother: *b\n', '/g.yaml');
    expect(s.locate(['other', 'size'])).toEqual({ line: 1, column: 17 });
    expect(s.toJS()).toEqual({ base: { size: 3 }, other: { size: 3 } });
  });
});

describe('YAML errors', () => {
  it('keeps syntax errors as positioned issues and throws them from toJS', () => {
    const s = YamlSource.parse('a: 1\nb: "unterminated\n', '/h.yaml');
    expect(s.issues[0]).toMatchObject({ file: '/h.yaml', line: 3, column: 1, path: '' });
    expect(() => s.toJS()).toThrow(ConfigError);
  });

  it('reports a missing anchor', () => {
    const s = YamlSource.parse('a: *nope\n', '/i.yaml');
    expect(() => s.toJS()).toThrow(/YAML error/);
  });

  it('rejects multiple documents', () => {
    const s = YamlSource.parse('a: 1\n---\nb: 2\n', '/j.yaml');
    expect(s.issues[0]!.message).toContain('single YAML document');
    expect(s.issues[0]!.line).toBe(2);
  });
});
