import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/redact/index.js';

const PASSWORD = 'Hunter2-planted-Value';

describe('Redactor', () => {
  it("hides a password quoted by kustomize's patch error, in lines and in \\n-escaped strings", () => {
    const message = [
      'trouble configuring builtin PatchTransformer with config: `',
      'patch: |-',
      '  apiVersion: v1',
      '  kind: Secret',
      '  stringData:',
      `    password: ${PASSWORD}`,
      '   bad: [',
      '`: unable to parse SM or JSON patch from [patch: "apiVersion: v1\\nkind: Secret\\nstringData:\\n  db-url: ' +
        `postgres://u:${PASSWORD}@db\\n  password: ${PASSWORD}\\n bad: ["]`,
    ].join('\n');
    const out = new Redactor().redact(message);
    expect(out).not.toContain('Hunter2');
    expect(out).not.toContain('planted');
    expect(out).toContain('unable to parse SM or JSON patch');
    expect(out).toMatch(/password: … \(21 chars\)/);
  });

  it('hides values of a rendered Secret wherever a message quotes them: invalid base64, numbers', () => {
    const r = new Redactor();
    r.addObjects([
      { kind: 'Secret', data: { key: 'not-base64-Planted!!' }, stringData: { pin: 123456789012 } },
      { kind: 'ConfigMap', data: { plain: 'visible-value' } },
    ]);
    expect(r.redact('data.key: "not-base64-Planted!!" is not valid base64')).toBe(
      'data.key: "… (20 chars)" is not valid base64',
    );
    expect(r.redact('stringData.pin: 123456789012 must be string')).not.toContain('123456789012');
    expect(r.redact('visible-value is fine')).toBe('visible-value is fine');
  });

  it('hides what a secret rule matches, and leaves names of secrets alone', () => {
    const r = new Redactor();
    const token = `ghp_${'A1b2C3d4E5'.repeat(3)}123456`;
    const out = r.redact(`env GITHUB value ${token} in container; secretName: db-creds; apiKey=Zx81kdP0qqLm2`);
    expect(out).not.toContain(token);
    expect(out).not.toContain('Zx81kdP0qqLm2');
    expect(out).toContain('secretName: db-creds');
  });
  it('masks a credential of a known format in a path, and leaves ordinary paths and secret-like words alone', () => {
    const r = new Redactor();
    const token = `ghp_${'aZ3kQ9'.repeat(6)}`;
    expect(r.redactPath(`docs/${token}.txt`)).toBe('docs/ghp_\u2026 (40 chars).txt');
    expect(r.redactPath('apps/secret-store/overlays/prod/password.yaml')).toBe(
      'apps/secret-store/overlays/prod/password.yaml',
    );
    // A known Secret value is not hunted in paths: `todo` as a database name made manifests/todo-app/... unreadable.
    r.addValue('todo');
    expect(r.redactPath('manifests/todo-app/base/todo.yaml')).toBe('manifests/todo-app/base/todo.yaml');
  });

  it('hides the values of a data block written as a flow mapping, a JSON object or a Go map dump', () => {
    const r = new Redactor();
    const quoted = [
      '  metadata: {name: s1, namespace: web}',
      `  stringData: {conn: ${PASSWORD}, 'url': "postgres://u:${PASSWORD}@db", nested: {deep: ${PASSWORD}}}`,
      `{"kind":"Secret","data":{"k":"${PASSWORD}"},"metadata":{"name":"s1"}}`,
      `patch: "kind: Secret\\nbinaryData: {blob: ${PASSWORD}}\\n"`,
      `object map[kind:Secret metadata:map[name:s1] stringData:map[conn:${PASSWORD} other:${PASSWORD}]]`,
    ].join('\n');
    const out = r.redact(quoted);
    expect(out).not.toContain('Hunter2');
    expect(out).not.toContain('planted');
    // Keys and the shape stay: the reader still sees which entries the message is about.
    expect(out).toContain('metadata: {name: s1, namespace: web}');
    expect(out).toContain('stringData: {conn: \u2026 (21 chars), ');
    expect(out).toContain('"data":{"k":"\u2026 (21 chars)"},"metadata":{"name":"s1"}');
    expect(out).toContain('metadata:map[name:s1] stringData:map[conn:\u2026 (21 chars) other:\u2026 (21 chars)]');
  });

  it('hides every line of a block scalar inside a data block, not only its key: value lines', () => {
    const message = [
      'patch: |-',
      '  kind: Secret',
      '  stringData:',
      '    id_rsa: |',
      `      ${PASSWORD}`,
      `      ${PASSWORD.split('').reverse().join('')}`,
      '    config.yaml: >-',
      `      plain ${PASSWORD}`,
      '  other: [',
    ].join('\n');
    const out = new Redactor().redact(message);
    expect(out).not.toContain('planted');
    expect(out).not.toContain('detnalp');
    expect(out).toContain('    id_rsa: |');
    expect(out).toContain('  other: [');
  });

  it("knows the secret-like values an Argo CD source hands Helm: a chart's fail/required can quote them", () => {
    const r = new Redactor();
    const [inObject, inString, inParameter, plain] = [
      'Obj-Pass-12345',
      'Str-Pass-67890',
      'Param-Pass-4242',
      'info-level',
    ];
    r.addObjects([
      {
        kind: 'Application',
        spec: {
          source: {
            helm: {
              valuesObject: { db: { password: inObject }, log: { level: plain } },
              values: `auth:\n  apiToken: ${inString}\n`,
              parameters: [
                { name: 'db.adminPassword', value: inParameter },
                { name: 'log.level', value: plain },
              ],
            },
          },
        },
      },
    ]);
    const out = r.redact(
      `execution error at (c/templates/x.yaml:1:4): ${inObject} ${inString} ${inParameter} ${plain}`,
    );
    expect(out).toBe(
      'execution error at (c/templates/x.yaml:1:4): \u2026 (14 chars) \u2026 (14 chars) \u2026 (15 chars) info-level',
    );
  });

  it("hides a long Secret value's quoted start too: a message that cuts a value short still names the secret", () => {
    const r = new Redactor();
    const long = 'Zx9-correct-horse-Battery-41-and-then-some-more-words-past-sixty-chars';
    r.addObjects([{ kind: 'Secret', data: { key: long }, stringData: { url: 'https://git.example.org/kfm/x' } }]);
    expect(r.redact(`\`${long.slice(0, 57)}...\` is not valid base64 data`)).toBe(
      `\`\u2026 (${long.length} chars)...\` is not valid base64 data`,
    );
    // A short common start is no quote of the value: `https://git.example.org/kfm` stays readable elsewhere.
    expect(r.redact('Application kfm deploys https://git.example.org/kfm/kfm.git')).toBe(
      'Application kfm deploys https://git.example.org/kfm/kfm.git',
    );
  });
});
