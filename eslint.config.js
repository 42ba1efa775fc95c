// Flat config shared by every package (each runs `eslint src` from its own folder).
// The architecture's boundaries are rules here, not habits: a stage never imports another stage or
// the runner, core never imports a stage or the runner, and nothing reaches into core past the
// subpaths its package.json exports (the contract at the root, the toolkit behind named subpaths).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const CORE_SUBPATHS = ['config', 'data', 'image', 'models', 'learn', 'plots', 'tf', 'util'];

/** No import of core's files except through its exported entry points. */
const coreEntryPointsOnly = {
  group: ['@neuro-ssl/core/*', ...CORE_SUBPATHS.map((s) => `!@neuro-ssl/core/${s}`)],
  message: `import core through its entry points only: @neuro-ssl/core (the plugin contract) or @neuro-ssl/core/{${CORE_SUBPATHS.join(',')}}`,
};
const noOtherPackagesByPath = {
  // Inside a package, modules import each other within src/ ('./x.js', '../y/z.js'): a path through a
  // src/ or dist/ folder can only lead into another package.
  group: ['**/src/**', '**/dist/**'],
  message: 'import another package by its name, never by a path into its folder',
};
const noStages = { group: ['@neuro-ssl/stage-*', '@neuro-ssl/stage-*/**'], message: 'stages never import each other (and core knows no stage): exchange artifacts through the runner' };
const noRunner = { group: ['@neuro-ssl/runner', '@neuro-ssl/runner/**'], message: 'only the runner wires stages; a stage or core never imports it' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'runs/**', '.neuro-ssl/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [coreEntryPointsOnly, noOtherPackagesByPath] }],
    },
  },
  {
    files: ['packages/stage-*/**', 'packages/core/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [coreEntryPointsOnly, noOtherPackagesByPath, noStages, noRunner] }] },
  },
  {
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
