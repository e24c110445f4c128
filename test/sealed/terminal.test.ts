/**
 * Terminal-safe output (issue 15, item 6): file names and messages from the repository cannot start a GitHub
 * Actions workflow command or reach the terminal as escapes, in text or github format; a reader that closes the
 * pipe early (`check | head`) ends the run quietly with the exit code it would have had.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBin, repoRoot, runCli, tempCopy } from '../helpers.js';

const infra = join(repoRoot, 'infra', 'gitops');
const TOKEN = `ghp_${'Zk3mQ9xW2v'.repeat(3)}Lp7Rt5`;
const NAMES = ['::error file=x::pwn.yaml', '\u001b[31mred\u001b]0;title\u0007.yaml', 'a\n::error file=y::b.yaml'];

let copy: { dir: string; cleanup: () => void };
beforeAll(() => {
  copy = tempCopy(infra);
  for (const name of NAMES) writeFileSync(join(copy.dir, 'apps/kfm-api/base', name), `token: ${TOKEN}\n`);
});
afterAll(() => copy.cleanup());

/** The workflow-command lines kfm-gitops itself writes: `::error file=…,title=KFM-…::…` with escaped properties. */
const OWN_COMMAND = /^::(?:error|warning|notice) (?:file=[^:,\n]*,(?:line=\d+,(?:col=\d+,)?)?)?title=KFM-[A-Z]+-\d+::/;

describe('terminal-safe output', () => {
  it.each(['text', 'github'])('%s format: no planted workflow command, no escape sequence', async (format) => {
    const r = await runCli(['check', copy.dir, '--overlay', 'apps/kfm-api/overlays/dev', '--format', format]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('KFM-SEC'); // the planted files were reported (by name)
    expect(r.stdout).toContain('pwn.yaml');
    for (const line of r.stdout.split('\n')) {
      if (/^\s*::/.test(line)) expect(line).toMatch(OWN_COMMAND);
      expect(line).not.toMatch(/##\[/);
    }
    // eslint-disable-next-line no-control-regex -- what must not reach the terminal
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    if (format === 'github') expect(r.stdout).not.toContain('file=x::');
  });

  it.each([
    ['the clean copy', 0],
    ['the copy with findings', 1],
  ])('a reader that stops early: %s ends quietly with exit %i', async (_name, expected) => {
    const { dir, cleanup } = expected === 0 ? tempCopy(infra) : { dir: copy.dir, cleanup: () => undefined };
    try {
      const child = spawn(process.execPath, [cliBin, 'check', dir, '--no-cache'], {
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.destroy(); // like `| head -0`: the pipe is closed before the first write
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise<number | null>((res) => child.on('close', res));
      expect(stderr).not.toMatch(/EPIPE|Error|at /);
      expect(code).toBe(expected);
    } finally {
      cleanup();
    }
  });
});
