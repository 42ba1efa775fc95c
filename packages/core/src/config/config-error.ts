// Configuration problems, each pinned to a YAML position. The runner maps ConfigError to exit code 2.

/** Where a value sits in a document, e.g. ["stages", 1, "with", "mode"]. */
export type ConfigPath = readonly (string | number)[];

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface LocateOptions {
  /**
   * When the path ends at a mapping entry, point at its key rather than its value (used for unknown
   * fields and for "missing field" issues, which point at the key of the object that lacks the field).
   */
  preferKey?: boolean;
}

/** Anything that can say where a path is in its source text (the runner's YamlSource). */
export interface SourceLocator {
  locate(path: ConfigPath, options?: LocateOptions): SourcePosition;
}

export interface ConfigIssue {
  /** The YAML file (as given to the loader, usually absolute). */
  file: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** Where in the document, e.g. "stages[0].with.backbone" ("" for the document itself). */
  path: string;
  /** What was expected, including the allowed values for enums. */
  message: string;
}

/** `file:line:column: path: message` (parts that are unknown are left out). */
export function formatConfigIssue(issue: ConfigIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Orders issues by file, then position (issues without a position last within their file). */
export function sortConfigIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const big = Number.MAX_SAFE_INTEGER;
  return [...issues].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      (a.line ?? big) - (b.line ?? big) ||
      (a.column ?? big) - (b.column ?? big),
  );
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  /** The process exit code the runner uses for configuration problems. */
  readonly exitCode = 2;

  constructor(issues: readonly ConfigIssue[]) {
    const sorted = sortConfigIssues(issues);
    super(sorted.length ? sorted.map(formatConfigIssue).join('\n') : 'invalid configuration');
    this.name = 'ConfigError';
    this.issues = sorted;
  }
}

/** `["stages", 0, "with", "backbone"]` → `stages[0].with.backbone`; odd keys are quoted: `classes["a b"]`. */
export function formatConfigPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
