package kfm.dp.image_digest_test

import data.kfm.dp.image_digest as rule

digest := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

deploy(images) := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "api", "namespace": "kfm-prod"},
	"spec": {"template": {"spec": {
		"initContainers": [{"name": "migrate", "image": images[0]}],
		"containers": [{"name": "api", "image": images[1]}],
	}}},
}

paths(env, resources) := ps if {
	vs := rule.violations with input as {"overlay": {"env": env}, "resources": resources}
	ps := {v.path | some v in vs}
}

test_tags_in_prod_are_violations if {
	paths("prod", [deploy(["ghcr.io/kfm/api:1.2.3", "ghcr.io/kfm/api:1.2.3"])]) == {
		["spec", "template", "spec", "initContainers", 0, "image"],
		["spec", "template", "spec", "containers", 0, "image"],
	}
}

test_digests_in_prod_pass if {
	img := concat("@", ["ghcr.io/kfm/api", digest])
	paths("prod", [deploy([img, concat("@", ["registry.local:5000/kfm/api:1.2.3", digest])])]) == set()
}

test_short_digest_is_not_a_pin if {
	count(paths("stage", [deploy(["ghcr.io/kfm/api@sha256:abc", concat("@", ["a", digest])])])) == 1
}

test_dev_is_not_required if {
	paths("dev", [deploy(["ghcr.io/kfm/api:1.2.3", "ghcr.io/kfm/api:1.2.3"])]) == set()
}

test_digest_envs_param if {
	vs := rule.violations with input as {"overlay": {"env": "qa"}, "resources": [deploy(["a:1", "b:1"])], "params": {"digestEnvs": ["qa"]}}
	count(vs) == 2
}

test_ephemeral_containers_and_pods if {
	pod := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
		"containers": [{"name": "c", "image": concat("@", ["x", digest])}],
		"ephemeralContainers": [{"name": "debug", "image": "busybox:1.36"}],
	}}
	paths("prod", [pod]) == {["spec", "ephemeralContainers", 0, "image"]}
}

# A CRD that runs pods (a Knative Service): its containers are read wherever they sit in its spec.
test_crd_workload_images_are_read if {
	ksvc := {
		"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": {"name": "fn", "namespace": "kfm-prod"},
		"spec": {"template": {"spec": {"containers": [{"image": "quay.io/kfm/fn:1.0"}]}}},
	}
	paths("prod", [ksvc]) == {["spec", "template", "spec", "containers", 0, "image"]}
}

test_crd_workload_pinned_passes if {
	ksvc := {
		"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": {"name": "fn", "namespace": "kfm-prod"},
		"spec": {"template": {"spec": {"containers": [{"image": concat("@", ["quay.io/kfm/fn", digest])}]}}},
	}
	paths("prod", [ksvc]) == set()
}

# A policy engine's pattern of containers is no container: no image, or a pattern for one.
test_crd_container_patterns_are_not_containers if {
	policy := {
		"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
		"metadata": {"name": "p"},
		"spec": {"rules": [{"validate": {"pattern": {"spec": {"containers": [
			{"image": "!*:latest"},
			{"resources": {"limits": {"memory": "?*"}}},
		]}}}}]},
	}
	paths("prod", [policy]) == set()
}

# Pods a CRD runs name their images outside container lists too: a Tekton Task's steps, sidecars and step template,
# an Argo Workflows template's container and script, a KubeVirt container disk.
test_crd_images_outside_container_lists_are_read if {
	task := {
		"apiVersion": "tekton.dev/v1", "kind": "Task",
		"metadata": {"name": "build", "namespace": "kfm-prod"},
		"spec": {
			"stepTemplate": {"image": "registry.access.redhat.com/ubi9/ubi:9.4"},
			"steps": [{"name": "run", "image": "quay.io/kfm/tool:1.0", "script": "echo"}],
			"sidecars": [{"name": "db", "image": concat("@", ["quay.io/kfm/db", digest])}],
		},
	}
	wf := {
		"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
		"metadata": {"name": "etl", "namespace": "kfm-prod"},
		"spec": {"templates": [
			{"name": "a", "container": {"image": "quay.io/kfm/etl:2.0", "command": ["etl"]}},
			{"name": "b", "script": {"image": "python:3.12", "source": "print(1)"}},
		]},
	}
	vm := {
		"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
		"metadata": {"name": "vm", "namespace": "kfm-prod"},
		"spec": {"template": {"spec": {"volumes": [{"name": "disk", "containerDisk": {"image": "quay.io/kfm/disk:1"}}]}}},
	}
	paths("prod", [task, wf, vm]) == {
		["spec", "stepTemplate", "image"],
		["spec", "steps", 0, "image"],
		["spec", "templates", 0, "container", "image"],
		["spec", "templates", 1, "script", "image"],
		["spec", "template", "spec", "volumes", 0, "containerDisk", "image"],
	}
}

dc(triggers) := {
	"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig",
	"metadata": {"name": "worker", "namespace": "kfm-prod"},
	"spec": {
		"template": {"spec": {"containers": [{"name": "worker", "image": concat("@", ["quay.io/kfm/worker", digest])}]}},
		"triggers": triggers,
	},
}

test_deploymentconfig_automatic_image_change_trigger if {
	t := {"type": "ImageChange", "imageChangeParams": {"automatic": true, "containerNames": ["worker"], "from": {"kind": "ImageStreamTag", "name": "worker:latest"}}}
	paths("prod", [dc([{"type": "ConfigChange"}, t])]) == {["spec", "triggers", 1, "imageChangeParams", "from"]}
}

test_deploymentconfig_manual_image_change_trigger_passes if {
	t := {"type": "ImageChange", "imageChangeParams": {"automatic": false, "from": {"kind": "ImageStreamTag", "name": "worker:1.2"}}}
	paths("prod", [dc([t])]) == set()
}

annotated(triggers) := object.union(deploy([concat("@", ["a", digest]), concat("@", ["b", digest])]), {"metadata": {"annotations": {"image.openshift.io/triggers": triggers}}})

test_image_trigger_annotation if {
	paths("stage", [annotated(`[{"from":{"kind":"ImageStreamTag","name":"api:latest"},"fieldPath":"spec.template.spec.containers[?(@.name==\"api\")].image"}]`)]) == {["metadata", "annotations", "image.openshift.io/triggers"]}
}

test_paused_image_trigger_annotation_passes if {
	paths("prod", [annotated(`[{"from":{"kind":"ImageStreamTag","name":"api:latest"},"fieldPath":"spec.template.spec.containers[0].image","paused":"true"}]`)]) == set()
}

test_image_trigger_in_dev_passes if {
	paths("dev", [annotated(`[{"from":{"kind":"ImageStreamTag","name":"api:latest"},"fieldPath":"spec.template.spec.containers[0].image"}]`)]) == set()
}

# Store operators name their image under other keys: CloudNativePG `imageName`, Zalando `dockerImage`.
test_operator_image_keys_in_prod if {
	cluster := {
		"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "records"},
		"spec": {"instances": 3, "imageName": "ghcr.io/cloudnative-pg/postgresql:16.4"},
	}
	pg := {
		"apiVersion": "acid.zalan.do/v1", "kind": "postgresql", "metadata": {"name": "acid"},
		"spec": {"teamId": "acid", "dockerImage": "ghcr.io/zalando/spilo-16:3.2-p2"},
	}
	pinned := object.union(cluster, {"spec": {"imageName": concat("@", ["ghcr.io/cloudnative-pg/postgresql", digest])}})
	bare := object.union(cluster, {"spec": {"imageName": "records"}})
	vs := rule.violations with input as {"overlay": {"env": "prod"}, "resources": [cluster, pg, pinned, bare]}
	{[v.resource, v.path] | some v in vs} == {[0, ["spec", "imageName"]], [1, ["spec", "dockerImage"]]}
}
