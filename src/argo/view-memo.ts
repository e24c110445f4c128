/**
 * What each Argo CD manifest file contributes to the view (src/argo/applications.ts), remembered between runs:
 * parsing the Applications and ApplicationSets with positions is most of reading the view (0.3 s CPU for the 61
 * manifests of the medium bench repo), and a changed-only run reads them all again to place envs and check coverage.
 *
 * Keyed by the file's path and exact text and by the stamp of the compiled code that parses it (a rebuilt tool
 * never reuses another build's answer). One file per cache root, sealed with a per-user key (src/util/seal.ts):
 * an entry planted or edited by a pull request fails to open and the files are parsed as if there were no memo; no
 * manifest text is kept in clear. Holds only the entries of the last run, so it cannot grow without bound.
 * Best effort: an unreadable, unwritable or keyless cache only costs the parse.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ensureIgnoredDir } from '../util/paths.js';
import { open, seal } from '../util/seal.js';
import { fileStamp } from '../util/stamp.js';
import { loadOrCreateKey, userKeyFile } from '../util/user-key.js';
import { CACHE_FILE_MAX, readCacheFile } from '../util/safe-read.js';

const FORMAT = 'kfm-argo-view/2';
const FILE = 'argo-view.sealed';

export interface ViewPart<D, U> {
  deployments: D[];
  unevaluable: U[];
  /** The spec identities of the file's Argo CD objects (applications.ts argoSpecKey). */
  specs?: string[];
}

export class ArgoViewMemo<D, U> {
  private readonly used = new Map<string, ViewPart<D, U>>();
  private changed = false;

  private constructor(
    private readonly dir: string,
    private readonly secret: Buffer,
    private readonly code: string,
    private readonly stored: Map<string, ViewPart<D, U>>,
  ) {}

  /** The memo under this cache root, or undefined when there is no per-user key (then every file is parsed). */
  static open<D, U>(cacheRoot: string, codeFile: string): ArgoViewMemo<D, U> | undefined {
    let secret: Buffer;
    let code: string;
    try {
      secret = loadOrCreateKey(userKeyFile('argo-view.key'));
      code = `${FORMAT}:${codeFile}:${fileStamp(statSync(fileURLToPath(codeFile), { bigint: true }))}`;
    } catch {
      return undefined; // no key or no stamp: a cache miss, every manifest is parsed
    }
    const dir = join(cacheRoot, 'argo');
    return new ArgoViewMemo<D, U>(dir, secret, code, readStored<D, U>(join(dir, FILE), secret, code));
  }

  private key(file: string, text: string): string {
    return createHash('sha256').update(`${this.code}\n${file}\n`).update(text).digest('hex');
  }

  get(file: string, text: string): ViewPart<D, U> | undefined {
    const key = this.key(file, text);
    const part = this.stored.get(key);
    if (part) this.used.set(key, part);
    return part;
  }

  set(file: string, text: string, part: ViewPart<D, U>): void {
    this.used.set(this.key(file, text), part);
    this.changed = true;
  }

  /** Writes this run's entries when any was new or any stored one went unused. */
  async save(): Promise<void> {
    if (!this.changed && this.used.size === this.stored.size) return;
    try {
      ensureIgnoredDir(this.dir);
      const plain = Buffer.from(JSON.stringify({ code: this.code, entries: [...this.used] }), 'utf8');
      await writeFileAtomic(join(this.dir, FILE), seal(plain, this.secret));
    } catch {
      // not remembered: the next run parses again
    }
  }
}

function readStored<D, U>(file: string, secret: Buffer, code: string): Map<string, ViewPart<D, U>> {
  try {
    const bytes = readCacheFile(file, CACHE_FILE_MAX);
    if (!bytes) return new Map(); // missing, a link, a FIFO or a device (a committed one): parse
    const plain = open(bytes, secret);
    if (!plain) return new Map();
    const body = JSON.parse(plain.toString('utf8')) as { code?: unknown; entries?: unknown };
    return body.code === code && Array.isArray(body.entries)
      ? new Map(body.entries as [string, ViewPart<D, U>][])
      : new Map();
  } catch {
    return new Map(); // missing or unreadable: parse
  }
}
