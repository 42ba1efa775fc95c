import { defineConfig } from 'vitest/config';

// CI runs several packages' suites at once on 2 cores: numeric tests need more than vitest's 5 s default.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } });
