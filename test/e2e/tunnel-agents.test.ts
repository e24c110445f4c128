/**
 * Tunnel agents other than cloudflared and ngrok publishing a store (KFM-TM-001), through the built CLI with the real
 * kustomize on a copy of infra/gitops: a chisel client's reverse remote to postgis and an frp client configuration in
 * a ConfigMap both passed before; each finding is on the line of the offending arg or config key.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lineOf, repoRoot, runCli, tempCopy } from '../helpers.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

/** A copy of infra/gitops with `files` added to the resources of `folder`'s kustomization. */
function infraWith(folder: string, files: Record<string, string>): string {
  const { dir, cleanup } = tempCopy(join(repoRoot, 'infra', 'gitops'));
  cleanups.push(cleanup);
  const kustomization = join(dir, folder, 'kustomization.yaml');
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, folder, name), text);
    writeFileSync(
      kustomization,
      readFileSync(kustomization, 'utf8').replace(/^resources:\n/m, `resources:\n  - ${name}\n`),
    );
  }
  return dir;
}

interface Finding {
  ruleId: string;
  category: string;
  file?: string;
  line?: number;
  path?: string;
  message: string;
}

const CHISEL = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: chisel-client
spec:
  selector:
    matchLabels: {app: chisel-client}
  template:
    metadata:
      labels: {app: chisel-client}
    spec:
      containers:
        - name: chisel
          image: docker.io/jpillora/chisel@sha256:${'c'.repeat(64)}
          args:
            - client
            - https://tunnel.example.org
            - 8080:kfm-api:8080
            - R:6432:postgis.kfm-prod.svc.cluster.local:5432
`;

const FRPC = `apiVersion: v1
kind: ConfigMap
metadata:
  name: frpc
data:
  app.toml: |
    [ui]
    localIP = "postgis"
  frpc.toml: |
    serverAddr = "frp.example.org"
    serverPort = 7000

    [[proxies]]
    name = "db"
    type = "tcp"
    localIP = "postgis"
    localPort = 5432
    remotePort = 6000
`;

describe('tunnel agents publishing a store (e2e)', () => {
  it('a chisel reverse remote and an frpc ConfigMap in kfm-ui reach postgis: KFM-TM-001 on the arg and the config key', async () => {
    const dir = infraWith('apps/kfm-ui/overlays/prod', { 'chisel.yaml': CHISEL, 'frpc.yaml': FRPC });
    const run = await runCli(['check', dir, '--format', 'json', '--no-cache']);
    expect(run.stderr).toBe('');
    const policy = (JSON.parse(run.stdout) as { findings: Finding[] }).findings.filter((f) => f.category === 'policy');
    expect(policy.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.path}`).sort()).toEqual([
      `KFM-TM-001 apps/kfm-ui/overlays/prod/chisel.yaml:${lineOf(CHISEL, 'R:6432')} spec.template.spec.containers[0].args[3]`,
      `KFM-TM-001 apps/kfm-ui/overlays/prod/frpc.yaml:${lineOf(FRPC, 'frpc.toml')} data["frpc.toml"]`,
    ]);
    for (const f of policy) expect(f.message).toContain('exposes store Service kfm-prod/postgis');
    expect(run.code).toBe(1);
  });
});
