/** Formatter registry: every formatter is a pure (Report, options) => string. */
import type { Report } from '../types.js';
import { formatGithub, formatGithubStepSummary } from './github.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export interface FormatOptions {
  color: boolean;
  quiet?: boolean;
  /** Text: also list the overlays a selective run did not check. */
  verbose?: boolean;
  /** Rule docs for formats that embed them (SARIF) or print titles and advice (text, GitHub). */
  rules?: import('../types.js').RuleDoc[];
  /**
   * Where the checked root sits inside the git work tree, e.g. `infra/gitops/` (default ''): SARIF and GitHub
   * annotations need repository-relative paths, the report's are root-relative.
   */
  uriPrefix?: string;
  /** Lowest failing severity (JUnit marks a test case failed at it); default error. */
  failOn?: import('../types.js').FailOn;
}

export type Formatter = (report: Report, options: FormatOptions) => string;

export const FORMATTERS: Record<string, Formatter> = {
  text: (r, o) => formatText(r, o),
  json: (r) => formatJson(r),
  sarif: (r, o) => formatSarif(r, { rules: o.rules, uriPrefix: o.uriPrefix }),
  junit: (r, o) => formatJunit(r, { failOn: o.failOn, uriPrefix: o.uriPrefix }),
  github: (r, o) => formatGithub(r, { quiet: o.quiet, uriPrefix: o.uriPrefix, rules: o.rules }),
};

export function formatNames(): string[] {
  return Object.keys(FORMATTERS);
}

export { formatGithubStepSummary };
