/** The checks of a run, by id, in the order createChecks builds them — importable without loading any check. */
export const CHECK_IDS = ['schema', 'policy', 'secrets'] as const;
