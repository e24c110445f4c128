#!/usr/bin/env bash
# The glue baseline, written the way teams script it today (issue 8): for every overlay, in parallel,
#   kustomize build <overlay> | tee rendered.yaml | kubeconform -strict -summary (local schemas, same release)
#   conftest test --combine rendered.yaml kustomization.yaml <AppProjects>   (the KFM rules through adapter.rego)
# then `gitleaks detect --no-git` over the tree. Prints one JSON summary line on stdout at the end.
#
# usage: glue.sh <root> <overlay-list-file> <work-dir> <parallelism>
# env (set by bench/run.mjs): KUSTOMIZE KUBECONFORM CONFTEST GITLEAKS K8S_VERSION SCHEMA_CORE SCHEMA_CRDS
#                             POLICY_DIR RULES_JSON [GITLEAKS_CONFIG]
set -uo pipefail

ROOT=$1
LIST=$2
WORK=$3
PARALLEL=$4
export ROOT WORK

rm -rf "$WORK/rendered" "$WORK/logs"
mkdir -p "$WORK/rendered" "$WORK/logs"

now_ms() { date +%s%3N; }
started=$(now_ms)

# The AppProjects every overlay's namespaces are compared with (KFM-FK-002): a team would list its files by hand.
APPPROJECTS=$(grep -rl --include='*.yaml' -e '^kind: AppProject' "$ROOT" | sort | tr '\n' ' ')
export APPPROJECTS

one_overlay() {
  local o=$1
  local id=${o//\//__}
  local rendered="$WORK/rendered/$id.yaml"
  local kc ct
  "$KUSTOMIZE" build "$ROOT/$o" 2>"$WORK/logs/$id.render" | tee "$rendered" |
    "$KUBECONFORM" -strict -summary -kubernetes-version "$K8S_VERSION" \
      -schema-location "$SCHEMA_CORE" -schema-location "$SCHEMA_CRDS" - >"$WORK/logs/$id.kubeconform" 2>&1
  kc=$?
  # shellcheck disable=SC2086 # APPPROJECTS is a list of paths
  "$CONFTEST" test --combine --no-color -p "$POLICY_DIR" --data "$RULES_JSON" \
    "$rendered" "$ROOT/$o/kustomization.yaml" $APPPROJECTS >"$WORK/logs/$id.conftest" 2>&1
  ct=$?
  echo "$o kubeconform=$kc conftest=$ct" >"$WORK/logs/$id.status"
}
export -f one_overlay

xargs -a "$LIST" -P "$PARALLEL" -I{} bash -c 'one_overlay "$1"' _ {}
overlays_done=$(now_ms)

gl_args=(detect --no-git --no-banner --redact --source "$ROOT" --report-format json --report-path "$WORK/gitleaks.json")
if [[ -n "${GITLEAKS_CONFIG:-}" ]]; then gl_args+=(--config "$GITLEAKS_CONFIG"); fi
"$GITLEAKS" "${gl_args[@]}" >"$WORK/logs/gitleaks.log" 2>&1
gl=$?
finished=$(now_ms)

# ---- summary (not timed by the caller's budget in any meaningful way: a few greps over small logs)
sum_field() { # sum of "<name>: N" over the kubeconform summaries
  cat "$WORK"/logs/*.kubeconform 2>/dev/null | sed -n "s/.*$1: \([0-9]*\).*/\1/p" | awk '{s+=$1} END {print s+0}'
}
resources=$(cat "$WORK"/logs/*.kubeconform 2>/dev/null | sed -n 's/^Summary: \([0-9]*\) resource.*/\1/p' | awk '{s+=$1} END {print s+0}')
render_failures=$(find "$WORK/logs" -name '*.render' -size +0 | wc -l)
kc_failed=$(grep -l 'kubeconform=[1-9]' "$WORK"/logs/*.status 2>/dev/null | wc -l)
ct_failures=$(cat "$WORK"/logs/*.conftest 2>/dev/null | grep -c '^FAIL')
ct_warnings=$(cat "$WORK"/logs/*.conftest 2>/dev/null | grep -c '^WARN')
ct_errors=$(grep -L 'tests\?, [0-9]* passed' "$WORK"/logs/*.conftest 2>/dev/null | wc -l)
leaks=$(grep -c '"RuleID"' "$WORK/gitleaks.json" 2>/dev/null || true)
printf '{"overlays":%d,"renderFailures":%d,"kubeconform":{"resources":%d,"valid":%d,"invalid":%d,"errors":%d,"skipped":%d,"overlaysFailed":%d},"conftest":{"failures":%d,"warnings":%d,"runsWithoutResult":%d},"gitleaks":{"findings":%d,"exitCode":%d},"phasesMs":{"overlays":%d,"gitleaks":%d,"total":%d}}\n' \
  "$(wc -l <"$LIST")" "$render_failures" "$resources" "$(sum_field Valid)" "$(sum_field Invalid)" "$(sum_field Errors)" \
  "$(sum_field Skipped)" "$kc_failed" "$ct_failures" "$ct_warnings" "$ct_errors" "${leaks:-0}" "$gl" \
  $((overlays_done - started)) $((finished - overlays_done)) $((finished - started))
