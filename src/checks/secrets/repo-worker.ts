/**
 * Worker thread entry of the off-thread repository scan (offthread.ts): scans the repository's files exactly as the
 * secrets check does in-process (scanRepository, the same settings resolved from the same config) and posts the
 * result back. Any failure posts `ok: false` and nothing else (no message: an error could quote file text); the
 * check then scans in-process, where a failure is reported as ever.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { secretsSettings } from './config.js';
import { repoScanData, scanRepository } from './scan.js';

const { root, config } = workerData as { root: string; config: unknown };

async function scan(): Promise<void> {
  const settings = secretsSettings(config as Parameters<typeof secretsSettings>[0]);
  const repo = await scanRepository({ root, settings, mode: 'check' });
  parentPort!.postMessage({ ok: true, repo: repoScanData(repo) });
}

scan().catch(() => parentPort!.postMessage({ ok: false }));
