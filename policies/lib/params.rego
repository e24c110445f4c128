# Parameters every rule reads. The defaults live here, once; the tool passes the `policy:` section of
# kfm-gitops.yaml as input.params. A given key replaces its default (label maps such as governedApiSelector must
# not be merged key by key), except storeSelectors whose two lists are replaced one by one. Unknown keys are kept
# for a repo's custom policies.
package kfm_lib.params

defaults := {
	# Envs (overlay folder names) whose images must be pinned by digest.
	"digestEnvs": ["stage", "prod"],
	# A workload is a store when its labels or its pod labels carry one of these label sets, or one of its
	# containers runs an image of a store family (policies/data/stores.rego; `families` replaces them) or whose
	# short name matches one of the `images` globs.
	"storeSelectors": {
		"labels": [{"kfm.dev/tier": "store"}],
		"images": [],
	},
	# Envs where a namespace without a default-deny ingress NetworkPolicy is an error (KFM-TM-006), not a
	# warning (KFM-TM-007).
	"isolatedEnvs": ["stage", "prod"],
	# Pods allowed to reach stores (label map every governed-API pod carries).
	"governedApiSelector": {"kfm.dev/governed-api": "true"},
	# Apps (folders under apps/) whose workloads may carry those labels (KFM-TM-011): a label is a claim any
	# manifest can make.
	"governedApiApps": ["kfm-api"],
	# AppProject whose destinations bound what the apps layer may deploy.
	"appProject": "kfm-apps",
	# AppProjects allowed a wildcard cluster-resource whitelist (KFM-ARGO-002). None by default: the README's
	# platform project lists its kinds explicitly too; a repo may opt a project in.
	"platformProjects": [],
	# Whether the apps layer may create Namespace objects.
	"allowNamespaces": false,
	# Kinds no layer may create.
	"forbiddenKinds": ["PodSecurityPolicy"],
	# Cluster-scoped kinds beyond the built-in list that the apps layer may not create.
	"extraClusterScopedKinds": [],
	# Whether prod Applications may sync automatically without a warning.
	"allowAutomatedProd": false,
}

given := object.get(input, "params", {})

given_store_selectors := object.get(given, "storeSelectors", {})

params := object.union(
	object.union({k: v | some k, v in given}, {k: v | some k, d in defaults; v := object.get(given, k, d)}),
	{"storeSelectors": object.union(
		{k: v | some k, d in defaults.storeSelectors; v := object.get(given_store_selectors, k, d)},
		# families defaults to the data document kfm_data.stores.families (read in lib/stores.rego).
		object.filter(given_store_selectors, ["families"]),
	)},
)
