/** One problem found in the configuration, in terms the operator can act on. */
export interface ConfigIssue {
  /**
   * Where the value came from: the dotted key (`server.port`), or the environment variable
   * and the key it sets (`PORT (server.port)`), or the file for a file-level problem.
   */
  key: string;
  /** The offending value as JSON, `********` for a secret, empty when there is none to show. */
  value: string;
  /** What is wrong and, where it helps, how to fix it. */
  reason: string;
}

/** The configuration cannot be used; nothing should start. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** What was loaded: the file's path, or "defaults + environment". */
  readonly source: string;

  constructor(issues: readonly ConfigIssue[], source: string) {
    super(`invalid configuration (${source}):\n${formatIssues(issues)}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.source = source;
  }
}

/** One line per issue, indented: `  key = value: reason`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues
    .map((i) => `  ${i.key}${i.value === '' ? '' : ` = ${i.value}`}: ${i.reason}`)
    .join('\n');
}
