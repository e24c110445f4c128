import type { Overlay } from '../types.js';

export type RenderOutcome =
  | {
      ok: true;
      text: string;
      /** Folder the origin annotation paths are relative to, when a wrapper was used. */
      originBase?: string;
      /** Served from the render cache. */
      cached?: boolean;
      /**
       * The same documents as a JSON array (kfm-render, tools/kfm-render/documents.go), so that they need no YAML
       * parse; the text stays the reference (parse/documents.ts decides when the JSON may stand in for it).
       */
      documents?: string;
      /**
       * The UTF-8 bytes `text` and `documents` were decoded from, as the renderer received them: the render cache
       * stores these instead of encoding the strings again. Absent when the text is not the renderer's own bytes.
       */
      raw?: { text: Uint8Array; documents?: Uint8Array };
      /** The renderer wrote the entry the request's `store` asked for. */
      stored?: boolean;
      /** Why it could not (the folder was replaced, a full disk): the cache stops storing, as for its own writes. */
      storeError?: string;
    }
  | {
      ok: false;
      reason: 'error' | 'timeout' | 'too-large' | 'spawn' | 'aborted';
      message: string;
      exitCode?: number | null;
    };

export interface RenderRequest {
  overlay: Overlay;
  root: string;
  timeoutMs: number;
  /** Stamp origin/transformer annotations through a wrapper kustomization (source mapping). */
  origin: boolean;
  allowExec: boolean;
  /** Largest rendered output accepted, in bytes. */
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** Repo-relative files the render reads (from the kustomization walk): the render cache keys on their content. */
  inputs?: string[];
  /** The overlay inflates vendored Helm charts: render with `--enable-helm --helm-command <Renderer.helm>`. */
  helm?: boolean;
  /** Write the render cache entry of a successful render (only to a renderer with `storesEntries`; render/cache.ts). */
  store?: EntryStore;
}

/**
 * A render cache entry for the renderer to write beside its render (render/cache.ts encodeEntry's layout): the JSON of
 * the entry's header and of its sealed fields up to the byte counts only the render knows, the per-user key, and the
 * folder as the cache checked it (real path under the allowed roots; `identity` is its device:inode).
 */
export interface EntryStore {
  dir: string;
  identity: string;
  name: string;
  head: string;
  bound: string;
  secret: Buffer;
}

/** Anything that turns an overlay into YAML text: the real kustomize, or a fake in tests. */
export interface Renderer {
  /** e.g. `kustomize` or `kubectl kustomize`. */
  readonly command: string;
  /** e.g. `v5.7.1`. */
  readonly version: string;
  /**
   * Overlays the pipeline should have in flight at once (walk, render, parse), when the renderer queues renders
   * itself: more than its workers, so this process walks and parses while they render. Unset: --concurrency.
   */
  readonly lanes?: number;
  /** The pinned helm binary for helmCharts (undefined: none found; an overlay that needs it cannot render). */
  readonly helm?: string;
  render(request: RenderRequest): Promise<RenderOutcome>;
  /** Writes a request's `store` entry itself (kfm-render workers): the cache then leaves the write to it. */
  readonly storesEntries?: boolean;
  /**
   * Optional: start what rendering needs (its worker processes) ahead of the first request. A promise, when there
   * is one, settles (never rejects) once the renderer's code is loaded and its workers were started.
   */
  warmUp?(): void | Promise<void>;
  /** Removes temporary files (wrapper folders). Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Renders the pipeline keeps in flight for `workers` kfm-render workers. Measured on the medium bench repo (2 cores):
 * with lanes = workers the workers idled while this process walked and parsed each overlay; twice as many lanes
 * keeps both busy. One function for the worker renderer and the lazy one that stands for it (render/lazy.ts).
 */
export function workerLanes(workers: number): number {
  return workers * 2;
}
