// Types of bench/glue/conftest-policies.mjs, for test/bench/glue.test.ts.
export declare function writeConftestPolicies(dest: string, options?: { policiesDir?: string }): number;
export declare const RULES_JSON: string;
