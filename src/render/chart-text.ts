/**
 * Helm's error text without what a chart's author put in it. `fail` and `required` print whatever text the chart
 * builds — a value of its own values.yaml, a file of the chart read with `.Files.Get` — and a template error can quote
 * pieces of the values a chart feeds to `tpl`. The pull request writes the chart, so that text is never shown (a
 * passphrase no secret rule recognises was printed in every report). Helm's error kind and the template's location
 * stay: the user opens the template there. Helm stops at its first error, so everything after it is dropped too
 * (cut at a later marker instead, a message could fake the marker and show what follows it). The YAML parser's
 * message about a template's output is the chart's text as well: go-yaml quotes an invalid map key whole
 * (`invalid map key: map[…]{"k":"<a value>"}`), so only the template and the line are kept.
 */
const EXECUTION_ERROR = /(execution error at \([^)\n]*\)): [\s\S]*$/;
const TEMPLATE_ERROR = /(\btemplate: [^\s:]+:\d+(?::\d+)?): [\s\S]*$/;
const YAML_ERROR = /(YAML parse error on [^\s:]+): ([\s\S]*)$/;

export function hideChartText(text: string): string {
  return text
    .replace(EXECUTION_ERROR, "$1: (the chart's message is not shown: a chart can quote any value or file in it)")
    .replace(TEMPLATE_ERROR, '$1: (the template error is not shown: it can quote values the chart reads)')
    .replace(YAML_ERROR, (_all, head: string, rest: string) => {
      const line = /\byaml: line (\d+):/.exec(rest);
      return `${head}${line ? ` (line ${line[1]} of its output)` : ''}: (the parser's message is not shown: it can quote what the chart rendered)`;
    });
}
