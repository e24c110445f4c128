/**
 * Runs a program without a shell, with a timeout that kills the whole process group (kustomize may start
 * plugins), an output cap, and an AbortSignal (SIGINT/SIGTERM of the CLI).
 */
import { spawn } from 'node:child_process';

export interface ExecResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  tooLarge: boolean;
  aborted: boolean;
  spawnError?: string;
}

export interface ExecOptions {
  cwd?: string;
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const STDERR_CAP = 64 * 1024;

export function execCapture(file: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolvePromise) => {
    const result: ExecResult = {
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      tooLarge: false,
      aborted: false,
    };
    if (options.signal?.aborted) {
      result.aborted = true;
      resolvePromise(result);
      return;
    }
    let child;
    try {
      child = spawn(file, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // own process group, so a timeout can kill grandchildren too
        shell: false,
      });
    } catch (err) {
      result.spawnError = err instanceof Error ? err.message : String(err);
      resolvePromise(result);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      result.timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => {
      result.aborted = true;
      killGroup();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (chunk: Buffer) => {
      if (result.tooLarge) return;
      size += chunk.length;
      if (size > options.maxOutputBytes) {
        result.tooLarge = true;
        chunks.length = 0;
        killGroup();
        return;
      }
      chunks.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (result.stderr.length < STDERR_CAP)
        result.stderr += chunk.toString('utf8').slice(0, STDERR_CAP - result.stderr.length);
    });
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      result.stdout = result.tooLarge ? '' : Buffer.concat(chunks).toString('utf8');
      resolvePromise(result);
    };
    child.on('error', (err) => {
      result.spawnError = err.message;
      finish();
    });
    child.on('close', (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      finish();
    });
  });
}
