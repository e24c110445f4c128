package kfm.dp.kustomization_image_digest_test

import data.kfm.dp.kustomization_image_digest as rule

kustomization := {"images": [
	{"name": "ghcr.io/kfm/api", "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	{"name": "ghcr.io/kfm/ui", "newTag": "1.4.0"},
]}

overlay(env) := {"env": env, "kustomization": kustomization, "kustomizationFile": "apps/kfm-api/overlays/prod/kustomization.yaml"}

test_tag_entry_in_prod if {
	vs := rule.violations with input as {"overlay": overlay("prod"), "resources": []}
	count(vs) == 1
	some v in vs
	v.id == "KFM-DP-003"
	v.path == ["images", 1]
	v.file == "apps/kfm-api/overlays/prod/kustomization.yaml"
	not "resource" in object.keys(v)
}

test_dev_allows_tags if {
	count(rule.violations) == 0 with input as {"overlay": overlay("dev"), "resources": []}
}

test_no_kustomization_is_fine if {
	count(rule.violations) == 0 with input as {"overlay": {"env": "prod"}, "resources": []}
}
