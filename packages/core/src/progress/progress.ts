// Progress reporting contract. The implementation (TTY bar vs plain lines) lives in progress-reporter.ts.

export interface ProgressOptions {
  /** What is being counted, e.g. "extract" or "epoch 3/20". */
  label: string;
  /** Total number of items, if known. */
  total?: number;
  /** Unit for rates, e.g. "img" → "12.3 img/s". */
  unit?: string;
}

export interface Progress {
  /** Advance by n items (default 1). */
  tick(n?: number): void;
  /** Replace the trailing status text (e.g. "loss 0.412"). */
  status(text: string): void;
  /** Finish: prints a final line with the count, rate and elapsed time. */
  done(): void;
}

export type ProgressFactory = (options: ProgressOptions) => Progress;
