package kfm_lib.params_test

import data.kfm_lib.params

test_defaults_without_params if {
	params.params == params.defaults with input as {}
}

test_label_map_is_replaced_not_merged if {
	p := params.params with input as {"params": {"governedApiSelector": {"role": "gateway"}}}
	p.governedApiSelector == {"role": "gateway"}
}

test_store_selectors_replace_one_list if {
	p := params.params with input as {"params": {"storeSelectors": {"images": ["kv"]}}}
	p.storeSelectors.images == ["kv"]
	p.storeSelectors.labels == params.defaults.storeSelectors.labels
}

test_false_and_unknown_keys_kept if {
	p := params.params with input as {"params": {"allowAutomatedProd": true, "teamSetting": 3}}
	p.allowAutomatedProd == true
	p.allowNamespaces == false
	p.teamSetting == 3
}
