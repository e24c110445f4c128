package kfm_lib.k8s_test

import data.kfm_lib.k8s

# spec_has_key is the walk's gate (k8s.image_containers, stores.spec_secret_refs): it must hold whenever an object at
# any depth has the key, or a walk that would find something is skipped.
test_spec_has_key_nested_object if {
	k8s.spec_has_key({"a": [{"b": {"image": "nginx"}}]}, "image")
}

test_spec_has_key_top_level if {
	k8s.spec_has_key({"image": {"repository": "x"}}, "image")
}

test_spec_has_key_key_with_quote_in_other_values if {
	k8s.spec_has_key({"note": "say \"hi\"", "steps": [{"image": "x"}]}, "image")
}

test_spec_has_key_not_for_a_value if {
	not k8s.spec_has_key({"name": "image", "value": "image:"}, "image")
}

test_spec_has_key_not_for_quoted_text_in_a_value if {
	not k8s.spec_has_key({"note": "\"image\": nginx"}, "image")
}

test_spec_has_key_not_for_a_longer_key if {
	not k8s.spec_has_key({"images": ["nginx"], "imagePullPolicy": "Always"}, "image")
}
