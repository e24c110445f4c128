package main

// The documents of a build as JSON beside its YAML, so that kfm-gitops loads them with JSON.parse instead of a YAML
// parser (js-yaml was the largest share of its CPU on a cold check: issue 20).
//
// The YAML is byte for byte what `kustomize build` prints (resmap.AsYaml: per resource MarshalJSON, then
// sigs.k8s.io/yaml.JSONToYAML, documents joined by "---\n"). The JSON is not that MarshalJSON: it is what a YAML
// parser reads back from the very text that is sent, in the order the text has (the serialiser sorts keys its own
// way, JSON.parse keeps the order it is given, and checks may report in iteration order). Anything that reading
// cannot express exactly (a key that is not a string, a value type JSON has no form for) drops the JSON for the
// whole build; the caller then parses the YAML as before.

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/api/resmap"
	sigsyaml "sigs.k8s.io/yaml"
)

// asYAMLAndJSON returns the build's YAML (as resmap.AsYaml) and, when every document converts, a JSON array with
// one element per YAML document (nil otherwise).
func asYAMLAndJSON(m resmap.ResMap) (yml []byte, docs []byte, err error) {
	var y, j bytes.Buffer
	convertible := true
	j.WriteByte('[')
	for i, res := range m.Resources() {
		raw, err := res.MarshalJSON()
		if err != nil {
			mm, _ := res.Map()
			return nil, nil, fmt.Errorf("%#v: %w", mm, err)
		}
		out, err := sigsyaml.JSONToYAML(raw)
		if err != nil {
			mm, _ := res.Map()
			return nil, nil, fmt.Errorf("%#v: %w", mm, err)
		}
		if i > 0 {
			y.WriteString("---\n")
			j.WriteByte(',')
		}
		y.Write(out)
		if convertible {
			var doc yaml.MapSlice
			if yaml.Unmarshal(out, &doc) != nil || writeJSON(&j, doc) != nil {
				convertible = false
			}
		}
	}
	j.WriteByte(']')
	if !convertible {
		return y.Bytes(), nil, nil
	}
	return y.Bytes(), j.Bytes(), nil
}

// writeJSON writes a value as decoded by yaml.v2 (MapSlice for every mapping) as JSON, keeping the mapping order.
func writeJSON(w *bytes.Buffer, v interface{}) error {
	switch x := v.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(x))
	case string:
		return writeString(w, x)
	case int:
		w.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		w.WriteString(strconv.FormatInt(x, 10))
	case uint64:
		w.WriteString(strconv.FormatUint(x, 10))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("no JSON form for %v", x)
		}
		w.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case []interface{}:
		w.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := writeJSON(w, e); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case yaml.MapSlice:
		w.WriteByte('{')
		for i, item := range x {
			key, ok := item.Key.(string)
			if !ok {
				return fmt.Errorf("mapping key %v is not a string", item.Key)
			}
			if i > 0 {
				w.WriteByte(',')
			}
			if err := writeString(w, key); err != nil {
				return err
			}
			w.WriteByte(':')
			if err := writeJSON(w, item.Value); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	default:
		return fmt.Errorf("no JSON form for %T", v)
	}
	return nil
}

// writeString writes a JSON string. yaml.v2 hands back valid UTF-8 (it reads no other), so only quotes,
// backslashes and control characters need escaping; anything else is refused rather than guessed.
func writeString(w *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string is not UTF-8")
	}
	w.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		w.WriteString(s[start:i])
		switch c {
		case '"':
			w.WriteString(`\"`)
		case '\\':
			w.WriteString(`\\`)
		case '\n':
			w.WriteString(`\n`)
		case '\t':
			w.WriteString(`\t`)
		case '\r':
			w.WriteString(`\r`)
		default:
			fmt.Fprintf(w, `\u%04x`, c)
		}
		start = i + 1
	}
	w.WriteString(s[start:])
	w.WriteByte('"')
	return nil
}
