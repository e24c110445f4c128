/** The findings core: one place for severity, fingerprints, collection, ordering, thresholds, counts and reports. */
export { FindingCollector } from './collector.js';
export { fingerprintOf } from './fingerprint.js';
export { compareFindings, countBySeverity, dedupeFindings, failsAt } from './order.js';
export { assembleReport, placedFinding, resolveFindings, type ResolvedFindings } from './report.js';
export { isOff, resolveSeverity } from './severity.js';
