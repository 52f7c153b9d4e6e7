/** The configuration: loading, validation, masking and the documents made from OPTIONS. */
export { JWT_ALGORITHMS } from '../auth/options.js';
export {
  renderDefaultYaml,
  renderExampleYaml,
  renderOptionsTable,
  replaceOptionsSection,
} from './docs.js';
export { envName, envNames } from './env.js';
export { ConfigError, type ConfigIssue, formatIssues } from './errors.js';
export { type DeepPartial, findConfigFile, type LoadOptions, loadConfig } from './load.js';
export { maskConfig } from './mask-config.js';
export { type Config, OPTIONS, type OptionSpec } from './options.js';
export { configSchema } from './schema.js';
