// Types of scripts/schemas-sync.lib.mjs, for the tests that re-run the conversion.
export declare const PACKAGE: string;
export declare const PINNED_VERSION: string;
export declare const PACKAGE_LICENSE: string;
export declare const OLDEST_RELEASE: { major: number; minor: number };
export declare const FORMAT_VERSION: number;
export declare const QUANTITY_PATTERN: string;
export declare function readZip(buf: Buffer): Map<string, () => Buffer>;
export declare function sha256(data: Buffer | string): string;
export declare function listReleases(
  memberNames: Iterable<string>,
): { release: string; major: number; minor: number; patch: number; member: string }[];
export declare function convertDefinitions(defs: Record<string, unknown>): Record<string, Record<string, unknown>>;
export declare function buildKindIndex(defs: Record<string, unknown>): Record<string, Record<string, string>>;
export declare function buildReleaseFile(input: { release: string; sourceMember: string; definitionsText: string }): string;
export declare function serializeReleaseFile(file: {
  format: number;
  release: string;
  source: Record<string, unknown>;
  kinds: Record<string, Record<string, string>>;
  $defs: Record<string, unknown>;
}): string;
export declare function buildFromWheel(wheel: Buffer, wheelName: string): Map<string, string>;
