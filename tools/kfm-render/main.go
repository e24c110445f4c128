// kfm-render renders kustomizations with the kustomize API (sigs.k8s.io/kustomize/api, the library the pinned
// `kustomize` CLI is built from, at the same version) in a long-lived process, so that kfm-gitops pays the process
// start and the Go heap warm-up once per worker instead of once per overlay. The build of each overlay is exactly
// what `kustomize build <dir>` does with its default flags (same krusty options, same YAML serialiser).
//
// Protocol (kfm-render serve), one request at a time:
//
//	stdin:  one JSON object per line: {"id":1,"dir":"/abs/overlay","max":268435456,"exec":false,"helm":"","json":true}
//	        ("helm": path of the helm binary for `--enable-helm --helm-command <path>`; empty: helm off;
//	        "apiVersions": with helm, `--helm-api-versions` for each;
//	        "json": also send the documents as JSON, see documents.go)
//	stdout: one JSON header line per request, then for a successful build exactly "bytes" bytes of YAML, then
//	        "json" bytes of JSON when asked for and every document converted (no "json" field: none follows):
//	        {"id":1,"ok":true,"bytes":1234,"json":1100}\n<yaml><json>
//	        {"id":1,"ok":false,"error":"…"}\n                   (kustomize's error text)
//	        {"id":1,"ok":false,"tooLarge":true,"bytes":N}\n     (the YAML is not sent)
//	A request may also carry "store" (see store.go): the worker then writes the successful build's render cache entry
//	itself and says so with "stored":true (or "storeError":"…"); a worker without it answers without either, and
//	the caller writes the entry.
//
// The process exits when stdin closes. Timeouts are the caller's: it kills the process group and starts another.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// Set at build time (-ldflags "-X main.kustomizeVersion=v5.7.1"): the kustomize release whose API this is.
var kustomizeVersion = "unknown"

// 2: requests carry "helm" (a worker of protocol 1 would ignore it and fail helmCharts differently from the CLI).
// 3: requests may ask for "json" (a worker of protocol 2 ignores it and sends YAML only, which callers accept).
// 4: requests carry "apiVersions" for helm's .Capabilities.APIVersions (a worker of protocol 3 would ignore them and
// inflate charts as for a cluster serving nothing but helm's defaults: callers refuse it).
const protocol = 4

type request struct {
	ID   int64  `json:"id"`
	Dir  string `json:"dir"`
	Max  int    `json:"max"`
	Exec bool   `json:"exec"`
	Helm string `json:"helm"`
	JSON bool   `json:"json"`
	// The API versions helm's .Capabilities.APIVersions holds (`--helm-api-versions`), as Argo CD passes the
	// destination cluster's; empty: helm's defaults.
	APIVersions []string `json:"apiVersions,omitempty"`
	// The render cache entry to write for a successful build (store.go); absent: none.
	Store *store `json:"store,omitempty"`
}

type response struct {
	ID       int64  `json:"id"`
	OK       bool   `json:"ok"`
	Bytes    int    `json:"bytes"`
	Error    string `json:"error,omitempty"`
	TooLarge bool   `json:"tooLarge,omitempty"`
	JSON     int    `json:"json,omitempty"`
	// The entry the request asked for was written (store.go), or why not.
	Stored     bool   `json:"stored,omitempty"`
	StoreError string `json:"storeError,omitempty"`
}

// options mirrors HonorKustomizeFlags of `kustomize build` when no flag is given (reorder "unspecified", root-only
// loading, plugins off, managed-by label only through its environment variable), with
// `--enable-alpha-plugins --enable-exec` when the request allows exec functions, and with
// `--enable-helm --helm-command <helm>` when it names a helm binary.
func options(exec bool, helm string, apiVersions []string) *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionUnspecified
	o.LoadRestrictions = types.LoadRestrictionsRootOnly
	if exec {
		c := types.EnabledPluginConfig(types.BploUseStaticallyLinked)
		c.FnpLoadingOptions.EnableExec = true
		o.PluginConfig = c
	} else {
		o.PluginConfig.HelmConfig.Enabled = helm != ""
	}
	// The CLI's --helm-command default.
	o.PluginConfig.HelmConfig.Command = "helm"
	if helm != "" {
		o.PluginConfig.HelmConfig.Command = helm
		o.PluginConfig.HelmConfig.ApiVersions = apiVersions
	}
	v, set := os.LookupEnv(konfig.EnableManagedbyLabelEnv)
	o.AddManagedbyLabel = set && v == "on"
	return o
}

// refuseNetwork is the HTTP transport of this process. kustomize's file loader fetches `http(s)://` files with an
// http.Client whose Transport is nil, i.e. http.DefaultTransport, and the API offers no way to hand krusty another
// loader; replacing the default transport refuses every remote file at the loader, loopback included, whatever
// the environment says about proxies.
type refuseNetwork struct{}

func (refuseNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("kfm-render refuses to load %s: no network at render time", r.URL.Redacted())
}

// seal makes this process unable to reach out: HTTP through refuseNetwork, git (kustomize's cloner runs the `git`
// found on PATH) refusing every transport and reading no user or system config. PATH itself is emptied per build
// when exec functions are off (see build), so the cloner does not even find git.
func seal() {
	http.DefaultTransport = refuseNetwork{}
	http.DefaultClient.Transport = refuseNetwork{}
	for k, v := range map[string]string{
		"GIT_ALLOW_PROTOCOL":  "kfm-gitops-no-network",
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_CONFIG_GLOBAL":   "/dev/null",
		"GIT_TERMINAL_PROMPT": "0",
		"GIT_SSH_COMMAND":     "false",
		"GIT_SSH":             "false",
	} {
		_ = os.Setenv(k, v)
	}
}

// build runs one kustomization; a panic inside kustomize becomes that request's error, not the worker's death.
func build(fs filesys.FileSystem, req request) (out []byte, docs []byte, err error) {
	if !req.Exec {
		// Without exec functions kustomize starts no program but git (helm and plugins are off): with no PATH its
		// git cloner fails with "no 'git' program on path" before anything runs. Requests are served one at a time.
		path := os.Getenv("PATH")
		_ = os.Setenv("PATH", "")
		defer func() { _ = os.Setenv("PATH", path) }()
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kustomize panicked: %v", r)
		}
	}()
	m, err := krusty.MakeKustomizer(options(req.Exec, req.Helm, req.APIVersions)).Run(fs, req.Dir)
	if err != nil {
		return nil, nil, err
	}
	if req.JSON {
		return asYAMLAndJSON(m)
	}
	out, err = m.AsYaml()
	return out, nil, err
}

func serve(in io.Reader, out io.Writer) error {
	fs := filesys.MakeFsOnDisk()
	// A kustomization's `openapi:` field replaces a process-wide schema; the CLI starts afresh for every overlay,
	// so after such a build the schema is reset (the builtin one is parsed again only then).
	defaultSchema := openapi.GetSchemaVersion()
	r := bufio.NewReaderSize(in, 64*1024)
	w := bufio.NewWriterSize(out, 256*1024)
	enc := json.NewEncoder(w)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		var req request
		if jerr := json.Unmarshal(line, &req); jerr != nil {
			return fmt.Errorf("bad request: %v", jerr)
		}
		yml, docs, berr := build(fs, req)
		if req.Max > 0 && len(docs) > req.Max {
			docs = nil // the caller parses the YAML instead
		}
		if openapi.GetSchemaVersion() != defaultSchema {
			openapi.ResetOpenAPI()
		}
		switch {
		case berr != nil:
			err = enc.Encode(response{ID: req.ID, Error: berr.Error()})
		case req.Max > 0 && len(yml) > req.Max:
			err = enc.Encode(response{ID: req.ID, TooLarge: true, Bytes: len(yml)})
		default:
			res := response{ID: req.ID, OK: true, Bytes: len(yml), JSON: len(docs)}
			if req.Store != nil {
				if serr := writeEntry(req.Store, yml, docs); serr != nil {
					res.StoreError = serr.Error()
				} else {
					res.Stored = true
				}
			}
			if err = enc.Encode(res); err == nil {
				if _, err = w.Write(yml); err == nil {
					_, err = w.Write(docs)
				}
			}
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return err
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kfm-render serve | version")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "version":
		api := "unknown"
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, dep := range info.Deps {
				if dep.Path == "sigs.k8s.io/kustomize/api" {
					api = dep.Version
				}
			}
		}
		_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"kustomize": kustomizeVersion, "api": api, "protocol": protocol})
	case "serve":
		seal()
		// kustomize allocates heavily and keeps little; a lazier collector measured 2.3x less CPU per overlay on
		// the benchmark repo (GOGC=100: 15.4 s, GOGC=400: 9.8 s for 300 overlays). The user's GOGC still wins.
		if _, set := os.LookupEnv("GOGC"); !set {
			debug.SetGCPercent(400)
		}
		// kfm-gitops runs one worker per core and each renders one overlay at a time: a single scheduler thread
		// per worker avoids the parallel collector fighting the other workers for the same cores. Measured on the
		// medium bench repo, 2 workers on 2 cores: 11.9 s CPU / 6.1 s wall with GOMAXPROCS=2, 8.8 s / 4.5 s with 1.
		if _, set := os.LookupEnv("GOMAXPROCS"); !set {
			runtime.GOMAXPROCS(1)
		}
		if err := serve(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "kfm-render:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "kfm-render: unknown command %q (serve | version)\n", os.Args[1])
		os.Exit(2)
	}
}
