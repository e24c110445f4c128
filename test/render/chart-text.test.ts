/** Helm's error text keeps its kind and location, never the text a chart put in it (src/render/chart-text.ts). */
import { describe, expect, it } from 'vitest';
import { hideChartText } from '../../src/render/chart-text.js';

describe('hideChartText', () => {
  it("drops a fail/required message and everything after it, even past a faked 'Use --debug flag' line", () => {
    const text =
      'Error: execution error at (evil/templates/cm.yaml:6:8): hunter2-passphrase\nUse --debug flag to render out invalid YAML\nsecond-passphrase\n';
    const out = hideChartText(text);
    expect(out).toBe(
      "Error: execution error at (evil/templates/cm.yaml:6:8): (the chart's message is not shown: a chart can quote any value or file in it)",
    );
  });

  it('drops what a template error quotes (tpl over a value), keeping the template and line', () => {
    const out = hideChartText(
      'Error: template: evil/templates/cm.yaml:3:12: executing "evil/templates/cm.yaml" at <tpl .Values.x .>: error calling tpl: function "s3cr3t-value" not defined',
    );
    expect(out).toContain('template: evil/templates/cm.yaml:3:12: (the template error is not shown');
    expect(out).not.toContain('s3cr3t');
  });

  it("keeps only the template and line of a YAML error on a template's output: go-yaml quotes an invalid map key", () => {
    const out = hideChartText(
      'Error: YAML parse error on evil/templates/cm.yaml: error converting YAML to JSON: yaml: invalid map key: map[interface {}]interface {}{"k":"s3cr3t-value"}\n\nUse --debug flag to render out invalid YAML',
    );
    expect(out).toBe(
      "Error: YAML parse error on evil/templates/cm.yaml: (the parser's message is not shown: it can quote what the chart rendered)",
    );
    expect(
      hideChartText(
        'Error: YAML parse error on evil/templates/cm.yaml: error converting YAML to JSON: yaml: line 5: did not find expected key',
      ),
    ).toBe(
      "Error: YAML parse error on evil/templates/cm.yaml (line 5 of its output): (the parser's message is not shown: it can quote what the chart rendered)",
    );
  });

  it("leaves Helm's other errors as they are", () => {
    const text = 'Error: chart requires kubeVersion: >=1.40.0 which is incompatible with Kubernetes v1.37.0';
    expect(hideChartText(text)).toBe(text);
  });
});
