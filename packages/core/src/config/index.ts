// @neuro-ssl/core/config — validating a `with:` block against a plugin's JSON Schema exactly as the
// runner does (defaults filled, deprecated spellings rewritten, errors that name the field), for the
// runner and for plugin tests; the config error types; "did you mean".
export { ConfigError, formatConfigIssue, formatConfigPath, sortConfigIssues } from './config-error.js';
export type { ConfigIssue, ConfigPath, LocateOptions, SourceLocator, SourcePosition } from './config-error.js';
export { compileSchema, validateWithSchema, type ValidateOptions, type ValidateResult } from './validate-schema.js';
export { applyDeprecations, type Deprecation } from './deprecations.js';
export { suggest, editDistance } from '../util/suggest.js';
