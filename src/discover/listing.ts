/**
 * The files and folders discovery, coverage and the Argo CD view look at, from the run's one walk of the tree
 * (util/file-facts.ts, the same listings the whole-run cache key stamps): three fast-glob walks per run before
 * (issue 20: readdir was 0.56 s of native time on the 1,500-overlay bench repo).
 *
 * What fast-glob was asked for, kept: no segment starting with a dot (`dot: false`; so `.git` and `.kfm-gitops`),
 * nothing under a `node_modules` folder, links never followed and listed as neither file nor folder (but as links). One difference,
 * on the safe side: fast-glob's `**` cannot match a name holding a line break, the walk sees every name.
 */
import { runFacts } from '../util/file-facts.js';

export interface RepoListing {
  /** Root-relative regular files, in walk order. */
  files: string[];
  /** Root-relative folders (the root itself not included). */
  dirs: string[];
  /**
   * Root-relative links (never followed). Coverage takes the manifests among them: Argo CD applies a manifest that
   * is a link inside the repository, so one no overlay reads must be checked or reported, never left out unseen.
   */
  links: string[];
}

const skipped = (path: string): boolean => {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.startsWith('.') || name === 'node_modules';
};

export function listRepo(root: string): RepoListing {
  const files: string[] = [];
  const dirs: string[] = [];
  const links: string[] = [];
  for (const e of runFacts().entries(root, skipped)) {
    if (e.kind === 'd') dirs.push(e.path);
    else if (e.kind === 'f') files.push(e.path);
    else if (e.kind === 'l') links.push(e.path);
  }
  return { files, dirs, links };
}
