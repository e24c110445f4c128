/**
 * policies/capabilities.json lists only builtins the JavaScript host runs, so a policy that needs anything else
 * fails `opa build` (the author's problem), never a user's run.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { extractFromTarGz } from '../../src/checks/policy/custom.js';
import { hasOpa, NO_OPA, opaBin, policiesDir } from './helpers.js';

const run = promisify(execFile);
const capabilities = join(policiesDir, 'capabilities.json');
const names = (JSON.parse(readFileSync(capabilities, 'utf8')).builtins as { name: string }[]).map((b) => b.name);

describe('host capabilities file', () => {
  it('allows the builtins the rules use and refuses those the JavaScript host lacks', () => {
    expect(names).toEqual(
      expect.arrayContaining(['concat', 'object.get', 'glob.match', 'regex.match', 'format_int', 'yaml.unmarshal']),
    );
    for (const missing of [
      'http.send',
      'time.now_ns',
      'time.diff',
      'rand.intn',
      'crypto.x509.parse_certificates',
      'opa.runtime',
      'sprintf',
      'print',
    ]) {
      expect(names, missing).not.toContain(missing);
    }
  });
});

describe.skipIf(!hasOpa)(`opa build against the host capabilities (${hasOpa ? 'pinned opa' : NO_OPA})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-caps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function build(body: string): Promise<{ ok: true; wasm: Buffer } | { ok: false; message: string }> {
    const file = join(dir, `p${Math.random().toString(36).slice(2)}.rego`);
    writeFileSync(file, `package probe\n\n${body}\n`);
    const out = `${file}.tar.gz`;
    try {
      await run(opaBin, ['build', '-t', 'wasm', '--capabilities', capabilities, '-e', 'probe/result', '-o', out, file]);
      return { ok: true, wasm: extractFromTarGz(readFileSync(out), 'policy.wasm') };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, message: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  it('fails the build of a rule that calls http.send', async () => {
    const r = await build('result := http.send({"method": "get", "url": "https://example.com"})');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(/undefined function http\.send/);
  });

  it('fails the build of a rule that calls sprintf (the SDK implementation diverges from OPA)', async () => {
    const r = await build('result := sprintf("%q", ["x"])');
    expect(r.ok ? '' : r.message).toMatch(/undefined function sprintf/);
  });

  it('fails the build of a rule that reads the clock', async () => {
    const r = await build('result := time.now_ns()');
    expect(r.ok ? '' : r.message).toMatch(/undefined function time\.now_ns/);
  });

  it('builds and runs in Node a rule using SDK-provided and native builtins', async () => {
    const r = await build(
      'result := [yaml.unmarshal("a: 1"), regex.split(",", "x,y"), glob.match("kfm-*", null, "kfm-dev"), json.is_valid("{}")]',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const policy = await loadPolicy(r.wasm);
    expect(policy.evaluate({}, 'probe/result')).toEqual([{ result: [{ a: 1 }, ['x', 'y'], true, true] }]);
  });
});
