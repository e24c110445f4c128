# Tunnel agents other than cloudflared and ngrok (frp's client, chisel, bore, inlets, tailscale), and remote-managed
# cloudflared tunnels: each case passed KFM-TM-001 before.
package kfm.tm.tunnel_agents_test

import data.kfm.tm.route_to_store

postgis := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "postgis", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "postgis"}},
		"spec": {"containers": [{"name": "pg", "image": "docker.io/postgis/postgis:16-3.4"}]},
	}},
}

postgis_service := {
	"apiVersion": "v1", "kind": "Service",
	"metadata": {"name": "postgis", "namespace": "kfm-prod"},
	"spec": {"selector": {"app": "postgis"}, "ports": [{"port": 5432}]},
}

kfm_api := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "kfm-api", "namespace": "kfm-prod"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "kfm-api"}},
		"spec": {"containers": [{"name": "api", "image": "quay.io/kfm/api:1"}]},
	}},
}

kfm_api_service := {
	"apiVersion": "v1", "kind": "Service",
	"metadata": {"name": "kfm-api", "namespace": "kfm-prod"},
	"spec": {"selector": {"app": "kfm-api"}, "ports": [{"port": 8080}]},
}

# [resource, path] of every KFM-TM-001 finding with the store, its Service and the governed API beside `r` (index 4).
found(r) := ps if {
	ps := {[v.resource, v.path] | some v in route_to_store.violations} with input as {"resources": [postgis, postgis_service, kfm_api, kfm_api_service, r]}
}

messages(r) := ms if {
	ms := {v.msg | some v in route_to_store.violations} with input as {"resources": [postgis, postgis_service, kfm_api, kfm_api_service, r]}
}

# A Deployment of namespace `ns` running one container.
deployment(ns, container) := {
	"apiVersion": "apps/v1", "kind": "Deployment",
	"metadata": {"name": "edge", "namespace": ns},
	"spec": {"template": {"metadata": {"labels": {"app": "edge"}}, "spec": {"containers": [container]}}},
}

agent(image, args) := {"name": "agent", "image": image, "args": args}

arg(k) := ["spec", "template", "spec", "containers", 0, "args", k]

command(k) := ["spec", "template", "spec", "containers", 0, "command", k]

env_path(k, key) := ["spec", "template", "spec", "containers", 0, "env", k, key]

# 1. A tunnel agent in a store's own pod reaches the store on localhost: by image and by command word.
sidecar(container) := json.patch(postgis, [{"op": "add", "path": "/spec/template/spec/containers/-", "value": container}])

sidecar_image := ["spec", "template", "spec", "containers", 1, "image"]

store_findings(container) := ps if {
	ps := {[v.resource, v.path] | some v in route_to_store.violations} with input as {"resources": [sidecar(container)]}
}

test_store_runs_another_tunnel_agent_by_image if {
	every image in [
		"snowdreamtech/frpc:0.58.1", "docker.io/fatedier/frpc:v0.58.1", "jpillora/chisel:1.10",
		"ekzhang/bore:0.5.1", "ghcr.io/inlets/inlets-pro:0.9.31", "tailscale/tailscale:v1.70.0",
		"ghcr.io/tailscale/tailscale:latest", "ghcr.io/inlets/inlets:3.0.2",
	] {
		store_findings({"name": "tunnel", "image": image}) == {[0, sidecar_image]}
	}
}

test_store_runs_another_tunnel_agent_by_command if {
	every cmd in [
		["/usr/local/bin/frpc", "-c", "/etc/frp/frpc.toml"], ["chisel", "client", "https://t.example.com", "5432:db.example.com:5432"],
		["bore", "local", "5432", "--to", "bore.pub"], ["inlets-pro", "tcp", "client"], ["inlets", "client"],
		["/usr/local/bin/containerboot"], ["tailscaled", "--tun=userspace-networking"],
		["sh", "-c", "tailscaled --tun=userspace-networking & tailscale up --authkey=$TS_AUTHKEY"],
	] {
		store_findings({"name": "tunnel", "image": "docker.io/library/alpine:3.20", "command": cmd}) == {[0, sidecar_image]}
	}
}

test_store_tunnel_agent_message_names_it if {
	vs := route_to_store.violations with input as {"resources": [sidecar({"name": "ts", "image": "tailscale/tailscale:v1.70.0"})]}
	some v in vs
	contains(v.msg, "runs a tunnel agent (tailscale) in its pods")
}

test_store_without_tunnel_agent_passes if {
	every image in ["quay.io/prometheuscommunity/postgres-exporter:v0.15.0", "example.com/boreal-exporter:1", "example.com/chiseled-base:1"] {
		store_findings({"name": "exporter", "image": image, "args": ["--name", "bore", "--log", "tailscale"]}) == set()
	}
}

# tailscale in a pod that is no store publishes nothing by itself (rule 1 is about a store's own pods).
test_tailscale_in_a_non_store_pod_passes if {
	ts := deployment("kfm-prod", {"name": "ts", "image": "tailscale/tailscale:v1.70.0", "env": [{"name": "TS_USERSPACE", "value": "true"}]})
	found(ts) == set()
}

# 2. chisel: a client's reverse remotes (R:[[interface:]port:]host:port) publish host:port on the server.
chisel(args) := deployment("edge", agent("jpillora/chisel:1.10", args))

test_chisel_reverse_remote_to_a_store if {
	found(chisel(["client", "https://tunnel.example.com", "R:5432:postgis.kfm-prod:5432"])) == {[4, arg(2)]}
	found(chisel(["client", "--auth", "u:p", "https://t.example.com", "R:0.0.0.0:6432:postgis.kfm-prod.svc.cluster.local:5432"])) == {[4, arg(4)]}
	found(chisel(["client", "https://t.example.com", "R:postgis.kfm-prod:5432/tcp"])) == {[4, arg(2)]}
	same_ns := deployment("kfm-prod", agent("jpillora/chisel:1.10", ["client", "https://t.example.com", "R:5432:postgis:5432"]))
	found(same_ns) == {[4, arg(2)]}
}

test_chisel_in_a_shell_script if {
	script := deployment("edge", {"name": "c", "image": "docker.io/library/alpine:3.20", "command": ["sh", "-c", "exec chisel client https://t.example.com 'R:5432:postgis.kfm-prod:5432'"]})
	found(script) == {[4, command(2)]}
}

test_chisel_forward_remote_and_api_pass if {
	found(chisel(["client", "https://t.example.com", "5432:postgis.kfm-prod:5432"])) == set()
	found(chisel(["client", "https://t.example.com", "R:8080:kfm-api.kfm-prod:8080"])) == set()
	found(chisel(["client", "https://t.example.com", "R:2222:localhost:22", "R:5432"])) == set()
	found(chisel(["client", "https://t.example.com", "socks", "5000:socks"])) == set()
}

test_chisel_reverse_socks_and_server_are_open_tunnels if {
	found(chisel(["client", "https://t.example.com", "R:socks"])) == {[4, arg(2)]}
	found(chisel(["client", "https://t.example.com", "R:0.0.0.0:1080:socks"])) == {[4, arg(2)]}
	some m in messages(chisel(["client", "https://t.example.com", "R:socks"]))
	contains(m, "runs a chisel tunnel (R:socks) that lets its clients reach any in-cluster address")
	found(chisel(["server", "--port", "8080", "--socks5"])) == {[4, arg(0)]}
}

test_chisel_reverse_remote_to_an_address_cannot_be_verified if {
	r := chisel(["client", "https://t.example.com", "R:5432:10.128.4.17:5432"])
	found(r) == {[4, arg(2)]}
	some m in messages(r)
	contains(m, "sends traffic to 10.128.4.17, an in-cluster address that cannot be verified")
	found(chisel(["client", "https://t.example.com", "R:5432:203.0.113.9:5432"])) == set()
}

# bore: `bore local <port> --local-host <host> --to <server>` publishes host:port on the server.
bore(args) := deployment("edge", agent("ekzhang/bore:0.5.1", args))

test_bore_local_host_to_a_store if {
	found(bore(["local", "5432", "--local-host", "postgis.kfm-prod", "--to", "bore.pub"])) == {[4, arg(3)]}
	found(bore(["local", "5432", "--local-host=postgis.kfm-prod.svc", "--to", "bore.pub"])) == {[4, arg(2)]}
	found(bore(["local", "5432", "-l", "postgis.kfm-prod", "-t", "bore.pub"])) == {[4, arg(3)]}
}

test_bore_default_host_and_api_pass if {
	found(bore(["local", "5432", "--to", "bore.pub"])) == set()
	found(bore(["local", "8080", "--local-host", "kfm-api.kfm-prod", "--to", "bore.pub"])) == set()
}

# inlets / inlets-pro: a client's --upstream (an http client's may map hosts: `host=url`, comma-separated).
inlets(image, args) := deployment("edge", agent(image, args))

test_inlets_upstream_to_a_store if {
	found(inlets("ghcr.io/inlets/inlets-pro:0.9.31", ["tcp", "client", "--url", "wss://exit.example.com:8123", "--upstream", "postgis.kfm-prod", "--ports", "5432"])) == {[4, arg(5)]}
	found(inlets("ghcr.io/inlets/inlets-pro:0.9.31", ["tcp", "client", "--upstream=postgis.kfm-prod.svc.cluster.local", "--ports", "5432"])) == {[4, arg(2)]}
	found(inlets("ghcr.io/inlets/inlets-pro:0.9.31", ["http", "client", "--upstream", "api.example.com=http://kfm-api.kfm-prod:8080,db.example.com=http://postgis.kfm-prod:5432"])) == {[4, arg(3)]}
	found(inlets("ghcr.io/inlets/inlets:3.0.2", ["client", "--remote", "wss://exit.example.com", "--upstream=http://postgis.kfm-prod:5432"])) == {[4, arg(3)]}
}

test_inlets_upstream_to_the_governed_api_passes if {
	found(inlets("ghcr.io/inlets/inlets-pro:0.9.31", ["http", "client", "--upstream", "http://kfm-api.kfm-prod:8080"])) == set()
	found(inlets("ghcr.io/inlets/inlets-pro:0.9.31", ["http", "client", "--upstream=api.example.com=http://kfm-api.kfm-prod:8080"])) == set()
}

# frp's client on its command line: `frpc tcp -i <local ip> -l <local port> -r <remote port>`.
test_frpc_command_line_local_ip if {
	frpc := deployment("edge", agent("snowdreamtech/frpc:0.58.1", ["tcp", "-s", "frp.example.com:7000", "-i", "postgis.kfm-prod", "-l", "5432", "-r", "6000"]))
	found(frpc) == {[4, arg(4)]}
	api := deployment("edge", agent("snowdreamtech/frpc:0.58.1", ["tcp", "--local_ip=kfm-api.kfm-prod", "-l", "8080"]))
	found(api) == set()
}

# frp's client configuration in a ConfigMap or Secret: TOML, INI, YAML, JSON.
frpc_toml(local_ip) := concat("\n", [
	`serverAddr = "frp.example.com"`,
	`serverPort = 7000`,
	``,
	`[[proxies]]`,
	`name = "api"`,
	`type = "tcp"`,
	`localIP = "kfm-api"`,
	`localPort = 8080`,
	`remotePort = 6080`,
	``,
	`[[proxies]]`,
	`name = "db"`,
	`type = "tcp"`,
	concat("", [`localIP = "`, local_ip, `"`]),
	`localPort = 5432`,
	`remotePort = 6000`,
	``,
])

config_map(entries) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "frpc", "namespace": "kfm-prod"}, "data": entries}

test_frpc_config_to_a_store if {
	found(config_map({"frpc.toml": frpc_toml("postgis.kfm-prod")})) == {[4, ["data", "frpc.toml"]]}
	found(config_map({"frpc.toml": frpc_toml("postgis")})) == {[4, ["data", "frpc.toml"]]}
	ini := "[common]\nserver_addr = frp.example.com\nserver_port = 7000\n\n[db]\ntype = tcp\nlocal_ip = postgis.kfm-prod.svc.cluster.local\nlocal_port = 5432\nremote_port = 6000\n"
	found(config_map({"frpc.ini": ini})) == {[4, ["data", "frpc.ini"]]}
	yaml_config := "serverAddr: frp.example.com\nproxies:\n  - name: db\n    type: tcp\n    localIP: postgis.kfm-prod\n    localPort: 5432\n    remotePort: 6000\n"
	found(config_map({"frpc.yaml": yaml_config})) == {[4, ["data", "frpc.yaml"]]}
	json_config := json.marshal({"serverAddr": "frp.example.com", "proxies": [{"name": "db", "type": "tcp", "localIP": "postgis", "localPort": 5432}]})
	found(config_map({"frpc.json": json_config})) == {[4, ["data", "frpc.json"]]}
	secret := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "frpc", "namespace": "edge"}, "data": {"frpc.toml": base64.encode(frpc_toml("postgis.kfm-prod"))}}
	found(secret) == {[4, ["data", "frpc.toml"]]}

	# A file of proxies the configuration includes (`includes = ["/etc/frp/proxies/*.toml"]`): no server address.
	included := "[[proxies]]\nname = \"db\"\ntype = \"tcp\"\nlocalIP = \"postgis.kfm-prod\"\nlocalPort = 5432\nremotePort = 6000\n"
	found(config_map({"db.toml": included})) == {[4, ["data", "db.toml"]]}
	included_ini := "[db]\ntype = tcp\nlocal_ip = postgis.kfm-prod\nlocal_port = 5432\nremote_port = 6000\n"
	found(config_map({"db.ini": included_ini})) == {[4, ["data", "db.ini"]]}
}

# rathole's client configuration: `remote_addr` is its server, each `[client.services.<name>]` publishes `local_addr`.
rathole_toml(local_addr) := concat("\n", [
	`[client]`,
	`remote_addr = "tunnel.example.com:2333"`,
	``,
	`[client.services.db]`,
	`token = "use-a-secret"`,
	concat("", [`local_addr = "`, local_addr, `"`]),
	``,
])

test_rathole_config_to_a_store if {
	found(config_map({"client.toml": rathole_toml("postgis.kfm-prod:5432")})) == {[4, ["data", "client.toml"]]}
	found(config_map({"client.toml": rathole_toml("postgis:5432")})) == {[4, ["data", "client.toml"]]}
	found(config_map({"client.toml": rathole_toml("kfm-api:8080")})) == set()
}

test_frpc_config_to_the_api_or_no_frpc_config_passes if {
	found(config_map({"frpc.toml": frpc_toml("kfm-api")})) == set()
	found(config_map({"frpc.toml": frpc_toml("127.0.0.1")})) == set()

	# Not an frpc configuration: no server address, no proxies.
	found(config_map({"app.toml": "[db]\nlocalIP = \"postgis\"\n"})) == set()
}

test_frpc_config_to_an_address_and_socks_plugin if {
	r := config_map({"frpc.toml": frpc_toml("10.128.4.17")})
	found(r) == {[4, ["data", "frpc.toml"]]}
	some m in messages(r)
	contains(m, "10.128.4.17, an in-cluster address that cannot be verified")
	socks := "serverAddr = \"frp.example.com\"\n\n[[proxies]]\nname = \"socks\"\ntype = \"tcp\"\nremotePort = 1080\n[proxies.plugin]\ntype = \"socks5\"\n"
	found(config_map({"frpc.toml": socks})) == {[4, ["data", "frpc.toml"]]}
	some s in messages(config_map({"frpc.toml": socks}))
	contains(s, "runs an frp tunnel (plugin socks5)")
	http_proxy := "[common]\nserver_addr = frp.example.com\n\n[proxy]\ntype = tcp\nremote_port = 6000\nplugin = http_proxy\n"
	found(config_map({"frpc.ini": http_proxy})) == {[4, ["data", "frpc.ini"]]}
}

# tailscale: a subnet router advertising in-cluster ranges lets the tailnet pick the address; TS_DEST_IP forwards
# the tailnet's traffic to one address.
tailscale(env, args) := deployment("edge", {"name": "ts", "image": "ghcr.io/tailscale/tailscale:v1.70.0", "env": env, "args": args})

test_tailscale_subnet_routes_and_destination if {
	found(tailscale([{"name": "TS_ROUTES", "value": "10.96.0.0/12,10.244.0.0/16"}], [])) == {[4, env_path(0, "value")]}
	found(tailscale([{"name": "TS_EXTRA_ARGS", "value": "--advertise-routes=10.0.0.0/8 --accept-dns=false"}], [])) == {[4, env_path(0, "value")]}
	found(tailscale([], ["tailscale", "up", "--advertise-routes", "fd00:10:244::/56"])) == {[4, arg(3)]}
	found(tailscale([{"name": "TS_DEST_IP", "value": "10.96.14.3"}], [])) == {[4, env_path(0, "value")]}
	some m in messages(tailscale([{"name": "TS_ROUTES", "value": "10.96.0.0/12"}], []))
	contains(m, "runs a tailscale tunnel (subnet routes 10.96.0.0/12)")
	found(tailscale([{"name": "TS_ROUTES", "value": "203.0.113.0/24"}, {"name": "TS_DEST_IP", "value": "203.0.113.9"}], [])) == set()
}

# 4. A remote-managed cloudflared tunnel (a token, no --url, no config object with its ingress): its routes are at
# Cloudflare. Reported in a namespace holding a store, not elsewhere.
remote_cloudflared(ns, container) := deployment(ns, object.union({"name": "cloudflared", "image": "cloudflare/cloudflared:2024.6.1"}, container))

test_remote_managed_cloudflared_beside_a_store if {
	r := remote_cloudflared("kfm-prod", {"args": ["tunnel", "--no-autoupdate", "run", "--token", "eyJhIjoiMSJ9"]})
	found(r) == {[4, arg(4)]}
	some m in messages(r)
	contains(m, "not in the repository")
	by_env := remote_cloudflared("kfm-prod", {"args": ["tunnel", "run"], "env": [{"name": "TUNNEL_TOKEN", "valueFrom": {"secretKeyRef": {"name": "tunnel", "key": "token"}}}]})
	found(by_env) == {[4, env_path(0, "name")]}
	by_flag := remote_cloudflared("kfm-prod", {"args": ["tunnel", "run", "--token=eyJhIjoiMSJ9"]})
	found(by_flag) == {[4, arg(2)]}
}

test_remote_managed_cloudflared_elsewhere_or_local_passes if {
	found(remote_cloudflared("edge", {"args": ["tunnel", "--no-autoupdate", "run", "--token", "eyJhIjoiMSJ9"]})) == set()

	# --url publishes one service, judged by it (here the governed API).
	found(remote_cloudflared("kfm-prod", {"args": ["tunnel", "run", "--token", "t", "--url", "http://kfm-api:8080"]})) == set()

	# A locally-managed tunnel: its ingress rules are in a ConfigMap it mounts.
	config := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cloudflared", "namespace": "kfm-prod"}, "data": {"config.yaml": "tunnel: t\ningress:\n  - hostname: api.example.com\n    service: http://kfm-api:8080\n  - service: http_status:404\n"}}
	local := json.patch(remote_cloudflared("kfm-prod", {"args": ["tunnel", "--config", "/etc/cloudflared/config.yaml", "run", "--token", "t"]}), [{"op": "add", "path": "/spec/template/spec/volumes", "value": [{"name": "config", "configMap": {"name": "cloudflared"}}]}])
	ps := {[v.resource, v.path] | some v in route_to_store.violations} with input as {"resources": [postgis, postgis_service, local, config]}
	ps == set()

	# Without the ConfigMap in the env, the mount names no ingress: reported.
	found(local) == {[4, arg(5)]}
}

# In a store's own pod the agent rule reports it, once.
test_remote_managed_cloudflared_in_a_store_pod_is_reported_once if {
	store_findings({"name": "tunnel", "image": "cloudflare/cloudflared:2024.6.1", "args": ["tunnel", "run", "--token", "x"]}) == {[0, sidecar_image]}
}

# ssh remote forwards (serveo.net, localhost.run, pinggy.io give the forwarded port a public address).
ssh(command) := deployment("edge", {"name": "t", "image": "docker.io/library/alpine:3.20", "command": command})

test_ssh_remote_forward_to_a_store if {
	found(ssh(["ssh", "-R", "80:postgis.kfm-prod:5432", "serveo.net"])) == {[4, command(2)]}
	found(ssh(["/usr/bin/autossh", "-M", "0", "-NR", "0.0.0.0:80:postgis.kfm-prod.svc.cluster.local:5432", "tunnel@a.pinggy.io"])) == {[4, command(4)]}
	found(ssh(["dbclient", "-R80:postgis.kfm-prod:5432", "nokey@localhost.run"])) == {[4, command(1)]}
	found(ssh(["ssh", "-fNTR5432:postgis.kfm-prod:5432", "x@example.com"])) == {[4, command(1)]}
	behind_init := deployment("edge", {"name": "t", "image": "docker.io/library/alpine:3.20", "command": ["tini", "--"], "args": ["ssh", "-R", "80:postgis.kfm-prod:5432", "serveo.net"]})
	found(behind_init) == {[4, arg(2)]}
	same_ns := deployment("kfm-prod", {"name": "t", "image": "docker.io/library/alpine:3.20", "command": ["ssh", "-R", "80:postgis:5432", "serveo.net"]})
	found(same_ns) == {[4, command(2)]}
}

test_ssh_remote_forward_in_a_shell_script if {
	script := ssh(["sh", "-c", "apk add openssh && ssh -o StrictHostKeyChecking=no -R 80:postgis.kfm-prod:5432 serveo.net"])
	found(script) == {[4, command(2)]}
}

# The same forward as an ssh option: `-o RemoteForward=<spec>`, `-oRemoteForward=<spec>`, the configuration's own
# two-argument form (split into words by the exec array or a script), any case of the option's name.
test_ssh_remote_forward_option_to_a_store if {
	found(ssh(["ssh", "-o", "RemoteForward=80:postgis.kfm-prod:5432", "serveo.net"])) == {[4, command(2)]}
	found(ssh(["ssh", "-N", "-oRemoteForward=80:postgis.kfm-prod:5432", "serveo.net"])) == {[4, command(2)]}
	found(ssh(["ssh", "-No", "remoteforward=0.0.0.0:80:postgis.kfm-prod:5432", "serveo.net"])) == {[4, command(2)]}
	found(ssh(["ssh", "-o", "RemoteForward 80 postgis.kfm-prod:5432", "serveo.net"])) == {[4, command(2)]}
	found(ssh(["ssh", "-o", "RemoteForward=80 postgis.kfm-prod:5432", "serveo.net"])) == {[4, command(2)]}
	found(ssh(["ssh", "-o", "RemoteForward = 80 postgis.kfm-prod:5432", "serveo.net"])) == {[4, command(2)]}
	found(ssh(["sh", "-c", "autossh -M 0 -o 'RemoteForward 80 postgis.kfm-prod:5432' -N x@a.pinggy.io"])) == {[4, command(2)]}
	found(ssh(["ssh", "-o", "RemoteForward=1080", "x@example.com"])) == {[4, command(2)]}
}

test_ssh_remote_forward_option_elsewhere_passes if {
	# A remote forward of the governed API, a local forward, and a RemoteForward option of no ssh command.
	found(ssh(["ssh", "-o", "RemoteForward 80 kfm-api.kfm-prod:8080", "serveo.net"])) == set()
	found(ssh(["ssh", "-o", "RemoteForward=80:kfm-api.kfm-prod:8080", "serveo.net"])) == set()
	found(ssh(["ssh", "-o", "LocalForward=5432:postgis.kfm-prod:5432", "x@example.com"])) == set()
	found(ssh(["echo", "-o", "RemoteForward=80:postgis.kfm-prod:5432"])) == set()
}

test_ssh_dynamic_remote_forward_is_an_open_tunnel if {
	r := ssh(["ssh", "-N", "-R", "1080", "x@example.com"])
	found(r) == {[4, command(3)]}
	some m in messages(r)
	contains(m, "runs an ssh tunnel (-R 1080) that lets its clients reach any in-cluster address")
	found(ssh(["ssh", "-R", "localhost:1080", "x@example.com"])) == {[4, command(2)]}
}

test_ssh_in_a_store_pod_with_a_remote_forward if {
	store_findings({"name": "t", "image": "docker.io/library/alpine:3.20", "command": ["ssh", "-NR", "80:localhost:5432", "serveo.net"]}) == {[0, sidecar_image]}
}

test_ssh_without_remote_forward_passes if {
	# A local forward, a remote forward to the governed API, an ssh client in a store's pod without -R, and a
	# `chmod -R` after the ssh command of a script are no tunnel to a store.
	found(ssh(["ssh", "-L", "5432:postgis.kfm-prod:5432", "x@example.com"])) == set()
	found(ssh(["ssh", "-R", "80:kfm-api.kfm-prod:8080", "serveo.net"])) == set()
	found(ssh(["sh", "-c", "ssh backup@example.com uptime; chmod -R 755 /data"])) == set()
	found(ssh(["chmod", "-R", "755", "/data"])) == set()
	found(ssh(["ssh", "-oRemoteCommand=none", "x@example.com"])) == set()
	store_findings({"name": "t", "image": "docker.io/library/alpine:3.20", "command": ["ssh", "backup@example.com", "uptime"]}) == set()
}

# gost: a remote port forward publishes its targets on the server it chains to.
gost(args) := deployment("edge", agent("gogost/gost:3.0.0", args))

test_gost_remote_forward_to_a_store if {
	found(gost(["-L", "rtcp://:5432/postgis.kfm-prod:5432", "-F", "relay+tls://tunnel.example.com:443"])) == {[4, arg(1)]}
	found(gost(["-L=rtcp://0.0.0.0:8080/kfm-api.kfm-prod:8080,postgis.kfm-prod.svc:5432", "-F=ssh://t.example.com:2222"])) == {[4, arg(0)]}
	found(gost(["-L", "rudp://:5432/postgis.kfm-prod:5432?ttl=60s", "-F", "relay://t.example.com:8421"])) == {[4, arg(1)]}
	script := deployment("edge", {"name": "g", "image": "docker.io/library/alpine:3.20", "command": ["sh", "-c", "gost -L rtcp://:6000/postgis.kfm-prod:5432 -F tls://t.example.com:443"]})
	found(script) == {[4, command(2)]}
}

test_gost_local_forward_and_api_pass if {
	found(gost(["-L", "tcp://:5432/postgis.kfm-prod:5432"])) == set()
	found(gost(["-L", "rtcp://:8080/kfm-api.kfm-prod:8080", "-F", "relay://t.example.com:8421"])) == set()
}

test_store_runs_gost if {
	store_findings({"name": "tunnel", "image": "gogost/gost:3.0.0"}) == {[0, sidecar_image]}
}

# zrok: a public or private share publishes its target (a private share's tcpTunnel too).
zrok(args) := deployment("edge", agent("openziti/zrok:0.4", args))

test_zrok_share_of_a_store if {
	found(zrok(["share", "public", "http://postgis.kfm-prod:5432", "--headless"])) == {[4, arg(2)]}
	found(zrok(["share", "private", "--backend-mode", "tcpTunnel", "postgis.kfm-prod:5432"])) == {[4, arg(4)]}
	found(zrok(["reserve", "public", "postgis.kfm-prod.svc:5432"])) == {[4, arg(2)]}
	found(zrok(["share", "public", "kfm-api.kfm-prod:8080"])) == set()
	found(zrok(["enable", "token"])) == set()
}

# localtunnel: `lt --port <port> --local-host <host>`.
test_localtunnel_to_a_store if {
	lt := deployment("edge", {"name": "lt", "image": "docker.io/library/node:20", "command": ["npx", "lt", "--port", "5432", "--local-host", "postgis.kfm-prod"]})
	found(lt) == {[4, command(5)]}
	own := deployment("edge", {"name": "lt", "image": "efrecon/localtunnel:2", "args": ["--port", "8080"]})
	found(own) == set()
}

test_store_runs_zrok_or_localtunnel if {
	store_findings({"name": "tunnel", "image": "openziti/zrok:0.4"}) == {[0, sidecar_image]}
	store_findings({"name": "tunnel", "image": "docker.io/library/node:20", "command": ["lt", "--port", "5432"]}) == {[0, sidecar_image]}
}

# Relays: whoever reaches the relay's pod reaches what it forwards to.
relay(command) := deployment("edge", {"name": "t", "image": "docker.io/library/alpine:3.20", "command": command})

test_socat_relay_to_a_store if {
	found(deployment("edge", agent("alpine/socat:1.8.0.0", ["TCP-LISTEN:5432,fork,reuseaddr", "TCP:postgis.kfm-prod:5432"]))) == {[4, arg(1)]}
	found(relay(["socat", "tcp4-listen:9000,fork", "tcp4:postgis.kfm-prod.svc.cluster.local:5432"])) == {[4, command(2)]}
	found(relay(["/usr/bin/socat", "-d", "OPENSSL:relay.example.com:443", "TCP:postgis.kfm-prod:5432"])) == {[4, command(3)]}
	found(relay(["socat", "TCP-LISTEN:9000,fork", "SOCKS4A:proxy.example.com:postgis.kfm-prod:5432"])) == {[4, command(2)]}
	found(relay(["sh", "-c", "apk add socat && exec socat TCP-LISTEN:9000,fork TCP:postgis.kfm-prod:5432"])) == {[4, command(2)]}
	same_ns := deployment("kfm-prod", {"name": "t", "image": "docker.io/library/alpine:3.20", "command": ["socat", "TCP-L:9000,fork", "TCP:postgis:5432"]})
	found(same_ns) == {[4, command(2)]}
}

test_netcat_relay_to_a_store if {
	found(relay(["ncat", "-lk", "9000", "--sh-exec", "ncat postgis.kfm-prod 5432"])) == {[4, command(4)]}
	found(relay(["sh", "-c", "while true; do nc -l -p 9000 -e nc postgis.kfm-prod 5432; done"])) == {[4, command(2)]}
	found(relay(["sh", "-c", "mkfifo /tmp/f; nc -l -p 9000 < /tmp/f | nc postgis.kfm-prod 5432 > /tmp/f"])) == {[4, command(2)]}
	found(relay(["busybox", "nc", "-lk", "-p", "9000", "-e", "/bin/nc", "postgis.kfm-prod", "5432"])) == {[4, command(7)]}
}

test_relays_that_publish_no_store_pass if {
	# socat from stdin or to a local socket, socat and netcat relays of the governed API, a wait-for loop, and a
	# wait-for before an unrelated listener.
	found(relay(["socat", "-", "TCP:postgis.kfm-prod:5432"])) == set()
	found(relay(["socat", "UNIX-LISTEN:/tmp/pg.sock,fork", "TCP:postgis.kfm-prod:5432"])) == set()
	found(relay(["socat", "TCP-LISTEN:9000,fork", "TCP:kfm-api.kfm-prod:8080"])) == set()
	found(relay(["ncat", "-lk", "9000", "--sh-exec", "ncat kfm-api.kfm-prod 8080"])) == set()
	found(relay(["nc", "-z", "postgis.kfm-prod", "5432"])) == set()
	found(relay(["sh", "-c", "until nc -z postgis.kfm-prod 5432; do sleep 1; done; nc -l -p 8080 -e /bin/cat"])) == set()
}

# An ssh client configuration's RemoteForward, mounted for an ssh client (`ssh -F /etc/ssh/tunnel.conf tunnel`).
test_ssh_config_remote_forward_to_a_store if {
	conf := "Host tunnel\n  HostName serveo.net\n  RemoteForward 80 postgis.kfm-prod:5432\n  ServerAliveInterval 30\n"
	found(config_map({"ssh_config": conf})) == {[4, ["data", "ssh_config"]]}
	found(config_map({"config": "Host *\n\tremoteforward=0.0.0.0:80 postgis:5432\n"})) == {[4, ["data", "config"]]}
	found(config_map({"config": "Host t\n  RemoteForward 80:postgis.kfm-prod:5432\n"})) == {[4, ["data", "config"]]}
	secret := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ssh", "namespace": "edge"}, "data": {"config": base64.encode(conf)}}
	found(secret) == {[4, ["data", "config"]]}
}

test_ssh_config_without_a_forward_to_a_store_passes if {
	# A forward of the governed API, a local forward, and a commented-out forward.
	found(config_map({"ssh_config": "Host t\n  RemoteForward 80 kfm-api.kfm-prod:8080\n"})) == set()
	found(config_map({"ssh_config": "Host t\n  LocalForward 5432 postgis.kfm-prod:5432\n"})) == set()
	found(config_map({"ssh_config": "Host t\n  # RemoteForward 80 postgis.kfm-prod:5432\n"})) == set()
}

# gost's configuration file: a remote forward service publishes its forwarder's nodes.
gost_yaml(addr) := concat("\n", [
	"services:",
	"  - name: db",
	"    addr: :5432",
	"    handler: {type: rtcp}",
	"    listener: {type: rtcp, chain: relay}",
	"    forwarder:",
	"      nodes:",
	concat("", ["        - {name: target, addr: \"", addr, "\"}"]),
	"chains:",
	"  - name: relay",
	"    hops: [{name: hop, nodes: [{name: n, addr: \"t.example.com:8443\", connector: {type: relay}, dialer: {type: tls}}]}]",
	"",
])

test_gost_config_remote_forward_to_a_store if {
	found(config_map({"gost.yaml": gost_yaml("postgis.kfm-prod:5432")})) == {[4, ["data", "gost.yaml"]]}
	found(config_map({"gost.yaml": gost_yaml("postgis:5432")})) == {[4, ["data", "gost.yaml"]]}
	json_config := json.marshal({"services": [{"name": "db", "addr": ":5432", "handler": {"type": "rudp"}, "listener": {"type": "rudp"}, "forwarder": {"nodes": [{"name": "t", "addr": "postgis.kfm-prod:5432"}]}}]})
	found(config_map({"gost.json": json_config})) == {[4, ["data", "gost.json"]]}
}

test_gost_config_local_forward_or_to_the_api_passes if {
	found(config_map({"gost.yaml": gost_yaml("kfm-api.kfm-prod:8080")})) == set()
	local := replace(replace(gost_yaml("postgis.kfm-prod:5432"), "type: rtcp}", "type: tcp}"), "type: rtcp, chain", "type: tcp, chain")
	found(config_map({"gost.yaml": local})) == set()
}

# socat started behind an init (`tini -- socat …`), in `args`, with no socat in its image's name.
test_socat_relay_behind_an_init if {
	behind := deployment("edge", {"name": "t", "image": "docker.io/library/alpine:3.20", "command": ["tini", "--"], "args": ["socat", "TCP-LISTEN:9000,fork", "TCP:postgis.kfm-prod:5432"]})
	found(behind) == {[4, arg(2)]}
}

# ssh_config arguments may be quoted.
test_ssh_config_quoted_remote_forward if {
	found(config_map({"config": "Host t\n  RemoteForward \"80\" \"postgis.kfm-prod:5432\"\n"})) == {[4, ["data", "config"]]}
}

# Reverse proxies configured in a ConfigMap or Secret: whoever reaches the proxy reaches what it forwards to.
nginx_http(target) := concat("\n", [
	"server {",
	"  listen 8081;",
	"  location /files/ {",
	concat("", ["    proxy_pass ", target, ";"]),
	"  }",
	"}",
	"",
])

test_nginx_proxy_to_a_store if {
	found(config_map({"default.conf": nginx_http("http://postgis.kfm-prod:5432")})) == {[4, ["data", "default.conf"]]}
	found(config_map({"default.conf": nginx_http("http://postgis:5432/")})) == {[4, ["data", "default.conf"]]}
	stream := "stream {\n  upstream db {\n    server postgis.kfm-prod.svc.cluster.local:5432 weight=5;\n  }\n  server {\n    listen 9000;\n    proxy_pass db;\n  }\n}\n"
	found(config_map({"nginx.conf": stream})) == {[4, ["data", "nginx.conf"]]}
	grpc := "server {\n  listen 8443 http2;\n  location / { grpc_pass grpc://postgis:5432; }\n}\n"
	found(config_map({"grpc.conf": grpc})) == {[4, ["data", "grpc.conf"]]}

	# A variable set in the configuration: `set $store postgis; proxy_pass http://$store:5432;`.
	variable := "server {\n  listen 8081;\n  set $store postgis.kfm-prod;\n  location / { proxy_pass http://$store:5432; }\n}\n"
	found(config_map({"default.conf": variable})) == {[4, ["data", "default.conf"]]}
	secret := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "proxy", "namespace": "edge"}, "data": {"default.conf": base64.encode(nginx_http("http://postgis.kfm-prod:5432"))}}
	found(secret) == {[4, ["data", "default.conf"]]}
	some m in messages(config_map({"default.conf": nginx_http("http://postgis:5432")}))
	contains(m, "exposes store Service kfm-prod/postgis")
}

test_nginx_proxy_to_the_api_on_loopback_or_an_address if {
	found(config_map({"default.conf": nginx_http("http://127.0.0.1:8080")})) == set()
	found(config_map({"default.conf": nginx_http("http://kfm-api:8080")})) == set()

	# The governed API's own way out to its store, listening on loopback only, publishes nothing.
	egress := "stream {\n  server {\n    listen 127.0.0.1:15432;\n    proxy_pass postgis:5432;\n  }\n}\n"
	found(config_map({"nginx.conf": egress})) == set()

	# Not a proxy: an application's settings naming its database.
	found(config_map({"app.yaml": "db:\n  server: postgis\n  port: 5432\n", "KFM_DB_HOST": "postgis"})) == set()

	# An in-cluster address literal: it may be a store's pod.
	found(config_map({"default.conf": nginx_http("http://10.128.4.17:5432")})) == {[4, ["data", "default.conf"]]}
}

test_haproxy_envoy_caddy_traefik_apache_varnish_proxy_to_a_store if {
	haproxy := "frontend db\n  bind :5432\n  mode tcp\n  default_backend pg\nbackend pg\n  mode tcp\n  server pg1 postgis.kfm-prod.svc:5432 check\n"
	found(config_map({"haproxy.cfg": haproxy})) == {[4, ["data", "haproxy.cfg"]]}
	template := "listen pg\n  bind :5432\n  server-template pg 3 postgis:5432 check\n"
	found(config_map({"haproxy.cfg": template})) == {[4, ["data", "haproxy.cfg"]]}
	envoy := "static_resources:\n  listeners:\n  - address: {socket_address: {address: 0.0.0.0, port_value: 9000}}\n  clusters:\n  - name: db\n    type: STRICT_DNS\n    load_assignment:\n      cluster_name: db\n      endpoints:\n      - lb_endpoints:\n        - endpoint:\n            address:\n              socket_address:\n                address: postgis.kfm-prod\n                port_value: 5432\n"
	found(config_map({"envoy.yaml": envoy})) == {[4, ["data", "envoy.yaml"]]}
	found(config_map({"Caddyfile": ":8081 {\n  reverse_proxy /files/* postgis.kfm-prod:5432\n}\n"})) == {[4, ["data", "Caddyfile"]]}
	found(config_map({"Caddyfile": ":8081 {\n  reverse_proxy {\n    to http://postgis:5432\n  }\n}\n"})) == {[4, ["data", "Caddyfile"]]}
	caddy_json := json.marshal({"apps": {"layer4": {"servers": {"db": {"listen": [":5432"], "routes": [{"handle": [{"handler": "proxy", "upstreams": [{"dial": ["postgis:5432"]}]}]}]}}}, "http": {"servers": {"s": {"routes": [{"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "postgis.kfm-prod:5432"}]}]}]}}}}})
	found(config_map({"caddy.json": caddy_json})) == {[4, ["data", "caddy.json"]]}
	traefik := "tcp:\n  services:\n    db:\n      loadBalancer:\n        servers:\n          - address: \"postgis.kfm-prod:5432\"\n"
	found(config_map({"dynamic.yaml": traefik})) == {[4, ["data", "dynamic.yaml"]]}
	traefik_toml := "[http.services.files.loadBalancer]\n  [[http.services.files.loadBalancer.servers]]\n    url = \"http://postgis:5432/\"\n"
	found(config_map({"dynamic.toml": traefik_toml})) == {[4, ["data", "dynamic.toml"]]}
	apache := "<VirtualHost *:8081>\n  ProxyPass \"/files\" \"http://postgis.kfm-prod:5432/\"\n</VirtualHost>\n"
	found(config_map({"httpd.conf": apache})) == {[4, ["data", "httpd.conf"]]}
	varnish := "vcl 4.1;\nbackend default {\n  .host = \"postgis.kfm-prod\";\n  .port = \"5432\";\n}\n"
	found(config_map({"default.vcl": varnish})) == {[4, ["data", "default.vcl"]]}
}

test_haproxy_and_envoy_on_loopback_or_to_the_api_pass if {
	haproxy := "listen pg\n  bind 127.0.0.1:15432\n  server pg1 postgis:5432 check\n"
	found(config_map({"haproxy.cfg": haproxy})) == set()
	api := "frontend web\n  bind :8081\n  default_backend api\nbackend api\n  server a1 kfm-api:8080 check\n"
	found(config_map({"haproxy.cfg": api})) == set()
	envoy := "static_resources:\n  listeners:\n  - address: {socket_address: {address: 127.0.0.1, port_value: 15432}}\n  clusters:\n  - name: db\n    load_assignment:\n      endpoints:\n      - lb_endpoints:\n        - endpoint: {address: {socket_address: {address: postgis, port_value: 5432}}}\n"
	found(config_map({"envoy.yaml": envoy})) == set()
}

# kubectl or oc port-forward goes through the API server, past every NetworkPolicy.
port_forward(cmd) := deployment("edge", {"name": "pf", "image": "registry.k8s.io/kubectl:v1.31.0", "command": cmd})

test_port_forward_to_a_store_service if {
	found(port_forward(["kubectl", "port-forward", "-n", "kfm-prod", "--address", "0.0.0.0", "svc/postgis", "5432:5432"])) == {[4, command(6)]}
	found(port_forward(["kubectl", "--namespace=kfm-prod", "port-forward", "service/postgis", "5432"])) == {[4, command(3)]}
	found(port_forward(["/usr/bin/oc", "-nkfm-prod", "port-forward", "services/postgis", ":5432"])) == {[4, command(3)]}
	found(port_forward(["oc", "-n=kfm-prod", "port-forward", "svc/postgis", "5432"])) == {[4, command(3)]}
	found(port_forward(["sh", "-c", "kubectl port-forward -n kfm-prod svc/postgis 15432:5432 & sleep 2; psql -h localhost -p 15432"])) == {[4, command(2)]}

	# Without -n: the pod's own namespace.
	own := json.patch(port_forward(["kubectl", "port-forward", "svc/postgis", "5432"]), [{"op": "replace", "path": "/metadata/namespace", "value": "kfm-prod"}])
	found(own) == {[4, command(2)]}
}

test_port_forward_to_a_store_pod_or_workload if {
	every target in ["pod/postgis-0", "postgis-0", "sts/postgis", "statefulset.apps/postgis", "pods/postgis"] {
		found(port_forward(["kubectl", "port-forward", "-n", "kfm-prod", target, "5432:5432"])) == {[4, command(4)]}
	}
	some m in messages(port_forward(["kubectl", "port-forward", "-n", "kfm-prod", "pod/postgis-0", "5432:5432"]))
	contains(m, "runs kubectl port-forward to pod kfm-prod/postgis-0, a store's pods (StatefulSet postgis)")
}

test_port_forward_to_the_api_or_elsewhere_passes if {
	found(port_forward(["kubectl", "port-forward", "-n", "kfm-prod", "svc/kfm-api", "8080"])) == set()
	found(port_forward(["kubectl", "port-forward", "-n", "kfm-prod", "deploy/kfm-api", "8080"])) == set()
	found(port_forward(["kubectl", "port-forward", "-n", "other", "pod/postgis-0", "5432"])) == set()

	# Another command of a script, not the port-forward's target.
	found(port_forward(["sh", "-c", "kubectl port-forward -n kfm-prod svc/kfm-api 8080; echo postgis-0"])) == set()
}

# A loopback listener beside one on every address is no exception: an nginx server block without `listen` (port 80
# on every address), an HAProxy `listen` line carrying its own address.
test_proxy_loopback_exception_needs_every_listener if {
	nginx := "stream {\n  server {\n    listen 127.0.0.1:15432;\n    proxy_pass postgis:5432;\n  }\n}\nhttp {\n  server {\n    location / { proxy_pass http://postgis.kfm-prod:5432; }\n  }\n}\n"
	found(config_map({"nginx.conf": nginx})) == {[4, ["data", "nginx.conf"]]}
	haproxy := "listen db 0.0.0.0:5432\n  server pg1 postgis:5432\nlisten local\n  bind 127.0.0.1:15432\n  server pg2 postgis:5432\n"
	found(config_map({"haproxy.cfg": haproxy})) == {[4, ["data", "haproxy.cfg"]]}
	two := "listen db\n  bind 127.0.0.1:15432,0.0.0.0:5432\n  server pg1 postgis:5432\n"
	found(config_map({"haproxy.cfg": two})) == {[4, ["data", "haproxy.cfg"]]}
}

# kubectl exec, attach and cp reach a store's pod through the API server as a port-forward does.
test_exec_attach_cp_into_a_store_pod if {
	found(port_forward(["kubectl", "exec", "-n", "kfm-prod", "postgis-0", "-c", "pg", "--", "pg_dump", "kfm"])) == {[4, command(4)]}
	found(port_forward(["kubectl", "exec", "-i", "sts/postgis", "-n", "kfm-prod", "--", "sh"])) == {[4, command(3)]}
	found(port_forward(["sh", "-c", "oc attach -n kfm-prod postgis-0"])) == {[4, command(2)]}
	found(port_forward(["kubectl", "cp", "kfm-prod/postgis-0:/var/lib/postgresql/data", "/tmp/data"])) == {[4, command(2)]}
	found(port_forward(["kubectl", "-n", "kfm-prod", "cp", "postgis-0:/var/lib/postgresql/data", "/tmp/data"])) == {[4, command(4)]}
	found(port_forward(["kubectl", "debug", "-n", "kfm-prod", "-it", "--image", "busybox", "--target", "pg", "postgis-0", "--", "sh"])) == {[4, command(9)]}
	found(port_forward(["kubectl", "debug", "-n", "kfm-prod", "postgis-0", "--image=busybox", "--copy-to=dbg"])) == {[4, command(4)]}
	ms := messages(port_forward(["kubectl", "exec", "-n", "kfm-prod", "postgis-0", "--", "psql"]))
	some m in ms
	contains(m, "runs kubectl exec to pod kfm-prod/postgis-0")
}

test_exec_into_the_api_or_a_command_naming_the_store_passes if {
	found(port_forward(["kubectl", "exec", "-n", "kfm-prod", "deploy/kfm-api", "--", "psql", "-h", "postgis"])) == set()
	found(port_forward(["kubectl", "exec", "-n", "kfm-prod", "-c", "postgis", "kfm-api-0", "--", "true"])) == set()
	found(port_forward(["kubectl", "cp", "/tmp/x", "kfm-prod/kfm-api-0:/tmp/x"])) == set()

	# Not kubectl's: a shell's exec.
	found(port_forward(["sh", "-c", "exec postgis-0"])) == set()
}

# kubectl proxy beyond loopback lets whoever reaches the pod use the API server's proxy to any Service.
test_kubectl_proxy_beyond_loopback if {
	found(port_forward(["kubectl", "proxy", "--address", "0.0.0.0", "--accept-hosts", ".*"])) == {[4, command(3)]}
	found(port_forward(["oc", "proxy", "--address=0.0.0.0", "--port=8001"])) == {[4, command(2)]}
	some m in messages(port_forward(["kubectl", "proxy", "--address", "0.0.0.0"]))
	contains(m, "runs a kubectl tunnel (proxy --address 0.0.0.0) that lets its clients reach any in-cluster address")

	# Loopback (the default): the pod's own use.
	found(port_forward(["kubectl", "proxy", "--port", "8001"])) == set()
	found(port_forward(["kubectl", "proxy", "--address", "127.0.0.1"])) == set()
}

# A pod chosen when the command runs, in a namespace holding a store.
test_api_server_path_to_a_pod_chosen_at_run_time if {
	found(port_forward(["sh", "-c", "kubectl exec -n kfm-prod $(kubectl get pod -n kfm-prod -l app=postgis -o name) -- pg_dumpall"])) == {[4, command(2)]}
	found(port_forward(["kubectl", "port-forward", "-n", "kfm-prod", "pod/$POD", "5432"])) == {[4, command(4)]}
	ms := messages(port_forward(["kubectl", "exec", "-n", "kfm-prod", "$POD", "--", "sh"]))
	some m in ms
	contains(m, "runs kubectl exec to a pod chosen when it runs ($pod) in namespace kfm-prod, which holds a store")

	# No store in that namespace.
	found(port_forward(["kubectl", "exec", "-n", "tools", "$POD", "--", "sh"])) == set()
}

# A VPN endpoint in a store's own pod: its peers are in the pod's network namespace.
test_store_runs_a_vpn_endpoint if {
	every image in [
		"docker.io/linuxserver/wireguard:1.0", "ghcr.io/wg-easy/wg-easy:14", "kylemanna/openvpn:2.4",
		"zerotier/zerotier:1.14.0", "netbirdio/netbird:0.28.0", "twingate/connector:1", "strongswan/strongswan:6",
	] {
		store_findings({"name": "vpn", "image": image}) == {[0, sidecar_image]}
	}
	every cmd in [["wg-quick", "up", "wg0"], ["/usr/sbin/openvpn", "--config", "/etc/openvpn/c.conf"], ["zerotier-one"], ["nebula", "-config", "/etc/nebula/config.yml"], ["ipsec", "start", "--nofork"]] {
		store_findings({"name": "vpn", "image": "docker.io/library/alpine:3.20", "command": cmd}) == {[0, sidecar_image]}
	}

	# NebulaGraph (a graph store) and images merely named alike are not VPN endpoints.
	every image in ["vesoft/nebula-graphd:v3.8.0", "example.com/openvpn-exporter-docs:1"] {
		store_findings({"name": "x", "image": image}) == set()
	}
}
