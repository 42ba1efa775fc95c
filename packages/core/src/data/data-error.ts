// A problem with the dataset itself (layout, label map, bad files), as opposed to a bug or a config
// syntax error: the runner maps it to exit code 2 and prints every issue, not just the first.

export class DataError extends Error {
  override readonly name = 'DataError';

  constructor(
    message: string,
    /** One line per problem, each self-contained (names the path and the config key). */
    readonly issues: string[],
  ) {
    super(message);
  }

  /** One issue: the message is the issue. Several: a header line, then the issues indented. */
  static fromIssues(header: string, issues: string[]): DataError {
    const message = issues.length === 1 ? (issues[0] ?? header) : [`${header}:`, ...issues.map((i) => `  - ${i}`)].join('\n');
    return new DataError(message, issues);
  }
}
