#!/usr/bin/env node
// The `runner` bin. Committed (not built) so that npm links it at install time, before
// `npm run build` writes dist/: a link to dist/cli.js would be skipped by `npm ci`, and `npx runner`
// would then fetch an unrelated public package of that name.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(`runner: the CLI is not built yet (${fileURLToPath(cli)} is missing): run \`npm run build\` first\n`);
  process.exit(2);
}
await import(cli.href);
