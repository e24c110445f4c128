# The single entrypoint compiled to WebAssembly: every rule package data.kfm.<family>.<rule> contributes its
# `violations` set. Evaluating once per env through one entrypoint shares the helper work (store detection,
# selectors) across rules; see scripts/policies-build.mjs for the measured alternative.
package kfm_main

violations := [v | some v in data.kfm[_][_].violations]
