// A failure of `runner data fetch` that is reported as one line, with the exit code it maps to:
// 1 = the download failed (network, HTTP, cut short, a page instead of a zip: trying again later or
// by hand can work),
// 2 = what was asked cannot be done as asked (arguments, a non-empty --out, an archive that is not
// Br35H, too few images): change the command.

export type DataFetchExitCode = 1 | 2;

export class DataFetchError extends Error {
  constructor(
    message: string,
    readonly exitCode: DataFetchExitCode,
  ) {
    super(message);
    this.name = 'DataFetchError';
  }
}
