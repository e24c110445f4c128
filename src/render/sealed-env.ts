/**
 * The environment kustomize runs in: git and HTTP made unusable, so a remote reference the pre-render walk missed
 * fails as a render error instead of reaching the network.
 *
 * - PATH is emptied when exec functions are off and kustomize is a binary: it then runs no program (helm and plugins are
 *   off), and its git cloner fails with "no 'git' program on path" before anything starts. With exec functions on
 *   the repository runs its own programs anyway (documented in docs/robustness.md); git still refuses every
 *   transport (GIT_ALLOW_PROTOCOL names none that exists) and reads no user or system config.
 * - Every proxy variable points at port 0 of loopback, so Go's HTTP client fails before it resolves or dials.
 *   Go skips the proxy for loopback and `localhost` hosts (httpproxy.useProxy): the walk and, for kfm-render, the
 *   refusing transport in the loader are what cover those.
 */
// Port 0 of loopback: connect() is refused at once, no packet leaves the machine, and the request's host name is
// never resolved (the proxy would do that). Measured: an unparsable proxy is ignored by Go (direct connection), and
// a proxy host name costs a DNS query.
const DEAD_PROXY = 'http://127.0.0.1:0';

/** Variables that would let git or HTTP pick another route, removed before the sealed ones are set. */
const DROPPED = /^(?:GIT_|SSH_|NO_PROXY$|no_proxy$|HTTPS?_PROXY$|https?_proxy$|ALL_PROXY$|all_proxy$|GOPROXY$)/;

/**
 * @param keepPath keep PATH: exec functions are allowed (they run the repository's programs), or the kustomize
 * command is a script (`#!/usr/bin/env bash` wrappers need PATH to find their interpreter and tools); git then
 * still refuses every transport.
 */
export function sealedEnv(base: NodeJS.ProcessEnv, options: { keepPath: boolean }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!DROPPED.test(k)) env[k] = v;
  if (!options.keepPath) env.PATH = '';
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy'])
    env[k] = DEAD_PROXY;
  Object.assign(env, {
    GIT_ALLOW_PROTOCOL: 'kfm-gitops-no-network',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: 'false',
    GIT_SSH: 'false',
    GIT_ASKPASS: 'false',
  });
  return env;
}
