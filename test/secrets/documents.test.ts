/**
 * Real repositories (gnunn-gitops/cluster-config, openshift-gitops-getting-started) quote manifests in READMEs and
 * write whole config documents through ExternalSecret templates. Both used to fail the run for the wrong reason (a
 * README "does not parse as YAML", an example Secret with `XXXXXX` data, a non-secret config document called a
 * secret); each must still catch a real credential, on the README's own line. Values are generated at run time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scanForSecrets, secretsSettings, type SecretFinding } from '../../src/checks/secrets/index.js';
import { markdownYaml } from '../../src/checks/secrets/markdown.js';
import { makeRepo, removeDir } from './helpers.js';
import { Gen } from './vectors.js';

const g = new Gen(2001);
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await removeDir(r);
});

async function scan(files: Record<string, string>): Promise<SecretFinding[]> {
  const root = await makeRepo(files);
  roots.push(root);
  return (await scanForSecrets({ root, settings: secretsSettings({}), mode: 'check', overlays: [], env: {} })).findings;
}
const at = (fs: SecretFinding[]): [string, string | undefined, number | undefined][] =>
  fs.map((f) => [f.ruleId, f.file, f.line]);

const README = (block: string, info = 'yaml'): string =>
  `# Storage\n\nCreate the secret, then apply:\n\n\`\`\`${info}\n${block}\`\`\`\n\nThat is all: key: value prose.\n`;

describe('Markdown: fenced manifests are read, prose is not YAML', () => {
  it('keeps offsets: only YAML fences survive, each opening a document', () => {
    const text = 'Intro: a\n```yaml\na: 1\n```\n```bash\nexport A=1\n```\n~~~\nkind: Secret\n~~~\n';
    const out = markdownYaml(text)!;
    expect(out.length).toBe(text.length);
    expect(out.split('\n').map((l) => l.trimEnd())).toEqual([
      '',
      '---',
      'a: 1',
      '',
      '',
      '',
      '',
      '---',
      'kind: Secret',
      '',
      '',
    ]);
    expect(markdownYaml('# only prose: here\n')).toBeUndefined();
  });

  it('a README with prose and a broken snippet is not a structure finding; an example Secret with XXXXXX data is not one either', async () => {
    const fs = await scan({
      'README.md': `${README('apiVersion: v1\nkind: Secret\ndata:\n  access_key_id: XXXXXX\n  endpoint: XXXXXXXXXXXX\n', '')}\n\`\`\`yaml\nbroken: [\n\`\`\`\n`,
    });
    expect(at(fs)).toEqual([]);
  });

  it('a credential in a fenced Secret is found on the README line, base64 data decoded', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const fs = await scan({
      'docs/setup.md': README(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  token: ${b64(token)}\n`),
    });
    expect(at(fs)).toEqual([['KFM-SEC-030', 'docs/setup.md', 11]]);
  });

  it('a base64 private-key run in the prose is still decoded', async () => {
    const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${g.b64(280)}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const fs = await scan({ 'NOTES.md': README('a: 1\n').replace('That is all', `Seed ${b64(pem)} here`) });
    expect(fs.map((f) => [f.ruleId, f.line])).toEqual([['KFM-SEC-013', 9]]);
  });

  it('a YAML file that does not parse is still a structure finding (the guard is for YAML, not for prose)', async () => {
    const fs = await scan({ 'secret.yaml.bak': `apiVersion: v1\nkind: Secret\ndata:\n  a: [\n` });
    expect(fs.map((f) => f.ruleId)).toContain('KFM-SEC-008');
  });
});

describe('ExternalSecret templates: documents are judged by their content', () => {
  const es = (data: string): string =>
    `apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: e}\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target:\n    template:\n      data:\n${data}`;

  it('a config document without a credential is not a finding; one with a literal credential is', async () => {
    const clean = `        auth.yaml: |\n          name: openshift\n          uiEndpoint: central:443\n          groups:\n            - key: name\n              value: admin\n        sso.yaml: |\n          clientID: acs\n          clientSecret: {{ .keycloak_client_secret }}\n`;
    expect(at(await scan({ 'es.yaml': es(clean) }))).toEqual([]);
    const leaky = `        sso.yaml: |\n          clientID: acs\n          clientSecret: ${g.alnum(28)}\n`;
    expect((await scan({ 'es.yaml': es(leaky) })).map((f) => f.ruleId)).toEqual(['KFM-SEC-071']);
  });

  it('a one-line literal stays KFM-SEC-009; a template with a literal credential around the action is found', async () => {
    const fs = await scan({
      'es.yaml': es(
        `        apikey: ${g.alnum(32)}\n        dsn: "postgres://app:{{ .password }}@db/app"\n        url: "https://{{ .user }}:${g.alnum(20)}@git.example.org/x.git"\n`,
      ),
    });
    expect(fs.map((f) => [f.ruleId, f.line])).toEqual([
      ['KFM-SEC-009', 9],
      ['KFM-SEC-066', 11],
    ]);
  });
});

describe('scripts, pages and logs are not YAML files', () => {
  it('a shell script with a heredoc manifest and an HTML report are read by the line rules, without a structure finding', async () => {
    const token = `ghp_${g.alnum(36)}`;
    const fs = await scan({
      'bin/setup.sh': `#!/bin/sh\nset -e\ncat <<EOF | oc apply -f -\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \${NAME}\ndata: {a: [\nEOF\necho ${token}\n`,
      'reports/r.html': `<html><body><pre>\napiVersion: v1\nkind: Pod\n</pre>\n<p>a: b: c</p></body></html>\n`,
    });
    expect(fs.map((f) => [f.ruleId, f.file, f.line])).toEqual([['KFM-SEC-030', 'bin/setup.sh', 10]]);
  });

  it('a script named like YAML, or a file of no known language with a manifest line, still is', async () => {
    const fs = await scan({ 'notes.txt': `see below\napiVersion: v1\nkind: Secret\ndata: {a: [\n` });
    expect(fs.map((f) => f.ruleId)).toContain('KFM-SEC-008');
  });
});
