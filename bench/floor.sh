#!/usr/bin/env bash
# The render floor (issue 8): the same `kustomize build` of every overlay, at the same parallelism, doing nothing
# else — no parsing, no checks, output discarded. Every kustomize-based tool pays at least this.
# With ORIGIN=1 each overlay is built the way kfm-gitops builds it for source mapping: through a wrapper
# kustomization asking for origin/transformer annotations (measures what that metadata costs kustomize).
#
# usage: floor.sh <root> <overlay-list-file> <parallelism>     env: KUSTOMIZE [ORIGIN=1 WORK=<dir>]
set -euo pipefail

ROOT=$1
LIST=$2
PARALLEL=$3

if [[ "${ORIGIN:-0}" == "1" ]]; then
  export ROOT WORK
  build_with_origin() {
    local dir="$WORK/origin/${1//\//__}"
    mkdir -p "$dir"
    printf 'resources:\n  - %s\nbuildMetadata: [originAnnotations, transformerAnnotations]\n' "$(realpath --relative-to="$dir" "$ROOT/$1")" >"$dir/kustomization.yaml"
    "$KUSTOMIZE" build "$dir" >/dev/null
  }
  export -f build_with_origin
  xargs -a "$LIST" -P "$PARALLEL" -I{} bash -c 'build_with_origin "$1"' _ {}
else
  # xargs' stdout is /dev/null, so every kustomize writes there; no shell per overlay.
  xargs -a "$LIST" -P "$PARALLEL" -I{} "$KUSTOMIZE" build "$ROOT/{}" >/dev/null
fi
