// A parsed YAML file that remembers where every node came from, so that validation problems can be
// reported as file:line:column.

import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigIssue, type ConfigPath, type LocateOptions, type SourceLocator, type SourcePosition } from '@neuro-ssl/core/config';

export type { ConfigPath, LocateOptions, SourcePosition };


const FRIENDLY_YAML_ERRORS: Record<string, string> = {
  MULTIPLE_DOCS: 'the file must contain a single YAML document (found another "---" document)',
  DUPLICATE_KEY: 'duplicate key: each key may appear only once in a mapping',
  TAB_AS_INDENT: 'tabs are not allowed as indentation; use spaces',
};

export class YamlSource implements SourceLocator {
  readonly file: string;
  readonly text: string;
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** YAML syntax errors, with positions. Empty when the text parsed cleanly. */
  readonly issues: ConfigIssue[];

  private constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.lineCounter = new LineCounter();
    this.document = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
    this.issues = this.document.errors.map((err) => {
      const pos = this.position(err.pos[0]);
      return {
        file,
        line: pos.line,
        column: pos.column,
        path: '',
        message: `YAML syntax error: ${FRIENDLY_YAML_ERRORS[err.code] ?? lowerFirst(err.message)}`,
      };
    });
  }

  /** Parses `text` (the contents of `file`); syntax errors end up in `issues`, never thrown. */
  static parse(text: string, file: string): YamlSource {
    return new YamlSource(file, text);
  }

  /** The plain JavaScript value of the document (null for an empty file); throws ConfigError on YAML errors. */
  toJS(): unknown {
    if (this.issues.length) throw new ConfigError(this.issues);
    try {
      return this.document.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      throw new ConfigError([{ file: this.file, line: 1, column: 1, path: '', message: `YAML error: ${(err as Error).message}` }]);
    }
  }

  /** 1-based line and column of a character offset. */
  position(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, column: col };
  }

  /**
   * The position of the deepest node that exists along `path` (keys for mappings, indices for
   * sequences). A path that goes past what the document holds stops at the last node found.
   */
  locate(path: ConfigPath, options: LocateOptions = {}): SourcePosition {
    let node: unknown = this.document.contents;
    if (!node) return { line: 1, column: 1 };
    let keyNode: unknown = undefined;
    let offset = nodeStart(node) ?? 0;
    for (const segment of path) {
      node = this.resolveAlias(node);
      let next: unknown = undefined;
      let nextKey: unknown = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(segment));
        if (!pair) break;
        nextKey = pair.key;
        next = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
        if (next === undefined) break;
      } else {
        break;
      }
      keyNode = nextKey;
      // `key:` with no value: the key is the best place to point at.
      const start = next === null || next === undefined || isEmptyScalar(next) ? undefined : nodeStart(next);
      const keyStart = keyNode === undefined ? undefined : nodeStart(keyNode);
      if (start === undefined) {
        if (keyStart !== undefined) offset = keyStart;
        break;
      }
      offset = start;
      node = next;
    }
    if (options.preferKey && keyNode !== undefined) {
      const keyStart = nodeStart(keyNode);
      if (keyStart !== undefined) offset = keyStart;
    }
    return this.position(offset);
  }

  private resolveAlias(node: unknown): unknown {
    let current = node;
    for (let i = 0; i < 100 && isAlias(current); i++) current = current.resolve(this.document);
    return current;
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}

function nodeStart(node: unknown): number | undefined {
  if (isScalar(node) || isCollection(node) || isAlias(node)) {
    const range = (node as Node).range;
    return range ? range[0] : undefined;
  }
  if (isPair(node)) return nodeStart(node.key);
  return undefined;
}

/** The implicit null of `key:` with nothing after it. */
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && (!node.range || node.range[0] === node.range[1]);
}

function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}
