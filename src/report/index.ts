/** Formatter registry: every formatter is a pure (Report, options) => string. */
import type { Report } from '../types.js';
import { formatJson } from './json.js';
import { formatText } from './text.js';

export interface FormatOptions {
  color: boolean;
  quiet?: boolean;
  /** Rule docs for formats that embed them (SARIF). */
  rules?: import('../types.js').RuleDoc[];
}

export type Formatter = (report: Report, options: FormatOptions) => string;

export const FORMATTERS: Record<string, Formatter> = {
  text: (r, o) => formatText(r, o),
  json: (r) => formatJson(r),
};

export function formatNames(): string[] {
  return Object.keys(FORMATTERS);
}
