// Types of scripts/schemas-sync-openshift.lib.mjs, for the tests that re-run the conversion.
export declare const OPENSHIFT_PACKAGE: string;
export declare const OPENSHIFT_PINNED_VERSION: string;
export declare const OPENSHIFT_LICENSE: string;
export declare const OPENSHIFT_FORMAT: number;
export declare const K8S_REF_PREFIX: string;
export declare function readTarGz(gz: Buffer): Map<string, Buffer>;
export declare function groupFileName(group: string): string;
export declare function buildOpenShiftSet(input: {
  sdist: Buffer;
  sdistName: string;
  k8sGroups: Set<string>;
  k8sDefs: Set<string>;
  convert: (
    schema: unknown,
    options: { keepRef?: (ref: string) => boolean },
  ) => { schema: Record<string, unknown>; issues: { message: string }[] };
}): Map<string, string>;
