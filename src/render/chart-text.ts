/**
 * Helm's error text without what a chart's author put in it. `fail` and `required` print whatever text the chart
 * builds — a value of its own values.yaml, a file of the chart read with `.Files.Get` — and a template error can quote
 * pieces of the values a chart feeds to `tpl`. The pull request writes the chart, so that text is never shown (a
 * passphrase no secret rule recognises was printed in every report). Helm's error kind and the template's location
 * stay: the user opens the template there. Helm stops at its first error, so everything after it is dropped too
 * (cut at a later marker instead, a message could fake the marker and show what follows it).
 */
const EXECUTION_ERROR = /(execution error at \([^)\n]*\)): [\s\S]*$/;
const TEMPLATE_ERROR = /(\btemplate: [^\s:]+:\d+(?::\d+)?): [\s\S]*$/;

export function hideChartText(text: string): string {
  return text
    .replace(EXECUTION_ERROR, "$1: (the chart's message is not shown: a chart can quote any value or file in it)")
    .replace(TEMPLATE_ERROR, '$1: (the template error is not shown: it can quote values the chart reads)');
}
