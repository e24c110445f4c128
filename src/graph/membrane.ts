/**
 * The trust membrane as a picture: the reachability graph the policies compute (policies/graph.rego, entrypoint
 * kfm_graph/graph) checked for shape, with the paths from outside the cluster to a store marked, and printed as
 * Mermaid, Graphviz dot or JSON. Pure: no I/O.
 */
export type NodeRole = 'outside' | 'entry' | 'store' | 'governed-api' | 'policy' | 'other';

export interface GraphNode {
  id: string;
  kind: string;
  role: NodeRole;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** routes, selects, alias, exposes, LoadBalancer, NodePort, externalIPs, hostNetwork…, denies, allows <peers>. */
  kind: string;
  /** On a path from outside the cluster to a store: the membrane is broken there. */
  breach?: boolean;
}

export interface MembraneGraph {
  env: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const ROLES = new Set<NodeRole>(['outside', 'entry', 'store', 'governed-api', 'policy', 'other']);

/** Validates the engine's value (it crosses a wasm boundary) and marks breaches; throws on a malformed value. */
export function toMembraneGraph(env: string, value: unknown): MembraneGraph {
  const v = value as { nodes?: unknown; edges?: unknown } | null;
  if (!v || !Array.isArray(v.nodes) || !Array.isArray(v.edges)) throw new Error('the graph is not {nodes, edges}');
  const nodes: GraphNode[] = v.nodes.map((n: unknown) => {
    const o = n as Partial<GraphNode>;
    if (typeof o?.id !== 'string' || typeof o.kind !== 'string' || !ROLES.has(o.role as NodeRole))
      throw new Error(`malformed graph node ${JSON.stringify(n)}`);
    return { id: o.id, kind: o.kind, role: o.role as NodeRole };
  });
  const edges: GraphEdge[] = v.edges.map((e: unknown) => {
    const o = e as Partial<GraphEdge>;
    if (typeof o?.from !== 'string' || typeof o.to !== 'string' || typeof o.kind !== 'string')
      throw new Error(`malformed graph edge ${JSON.stringify(e)}`);
    return { from: o.from, to: o.to, kind: o.kind };
  });
  // Edges that name a node the env does not render (a route to a missing Service) still show.
  const known = new Set(nodes.map((n) => n.id));
  for (const e of edges)
    for (const id of [e.from, e.to])
      if (!known.has(id)) {
        known.add(id);
        nodes.push({ id, kind: id.split('/')[0], role: 'other' });
      }
  markBreaches(nodes, edges);
  // Context objects that touch nothing of this env (another env's namespace policies) only add noise.
  const linked = new Set(edges.flatMap((e) => [e.from, e.to]));
  return { env, nodes: nodes.filter((n) => linked.has(n.id)), edges };
}

/** Traffic edges (not the NetworkPolicy ones): what carries a request from one node to the next. */
function carriesTraffic(e: GraphEdge): boolean {
  return e.kind !== 'denies' && !e.kind.startsWith('allows');
}

/** Marks every traffic edge that lies on a path from `internet` to a store node. */
function markBreaches(nodes: GraphNode[], edges: GraphEdge[]): void {
  const stores = new Set(nodes.filter((n) => n.role === 'store').map((n) => n.id));
  const traffic = edges.filter(carriesTraffic);
  const forward = reach(
    'internet',
    traffic,
    (e) => e.from,
    (e) => e.to,
  );
  const backward = new Set<string>();
  for (const s of stores)
    for (const id of reach(
      s,
      traffic,
      (e) => e.to,
      (e) => e.from,
    ))
      backward.add(id);
  for (const e of traffic) if (forward.has(e.from) && forward.has(e.to) && backward.has(e.to)) e.breach = true;
}

function reach(
  start: string,
  edges: GraphEdge[],
  from: (e: GraphEdge) => string,
  to: (e: GraphEdge) => string,
): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const e of edges)
      if (from(e) === at && !seen.has(to(e))) {
        seen.add(to(e));
        queue.push(to(e));
      }
  }
  return seen;
}

export function breaches(g: MembraneGraph): GraphEdge[] {
  return g.edges.filter((e) => e.breach);
}

/** Mermaid flowchart (renders in GitHub markdown and step summaries). Breach edges red and thick, stores marked. */
export function toMermaid(g: MembraneGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of g.nodes) lines.push(`  ${ids.get(n.id)}${shape(n)}`);
  const red: number[] = [];
  g.edges.forEach((e, i) => {
    const arrow = carriesTraffic(e) ? '-->' : '-.->';
    lines.push(`  ${ids.get(e.from)} ${arrow}|${label(e)}| ${ids.get(e.to)}`);
    if (e.breach) red.push(i);
  });
  lines.push('  classDef store fill:#fde2e1,stroke:#b42318,stroke-width:2px');
  lines.push('  classDef gov fill:#e3f2e1,stroke:#2e7d32');
  const stores = g.nodes.filter((n) => n.role === 'store').map((n) => ids.get(n.id));
  const gov = g.nodes.filter((n) => n.role === 'governed-api').map((n) => ids.get(n.id));
  if (stores.length > 0) lines.push(`  class ${stores.join(',')} store`);
  if (gov.length > 0) lines.push(`  class ${gov.join(',')} gov`);
  if (red.length > 0) lines.push(`  linkStyle ${red.join(',')} stroke:#d92d20,stroke-width:3px`);
  return `${lines.join('\n')}\n`;
}

function shape(n: GraphNode): string {
  const text = mermaidText(n.id === 'internet' ? 'Internet' : n.id + (n.role === 'store' ? ' · store' : ''));
  if (n.role === 'outside') return `(("${text}"))`;
  if (n.role === 'store') return `[("${text}")]`;
  if (n.role === 'policy') return `{{"${text}"}}`;
  return `["${text}"]`;
}

function label(e: GraphEdge): string {
  return mermaidText(e.breach ? `BREACH: ${e.kind}` : e.kind);
}

/** Names come from the repository under check: keep only what cannot break out of a quoted Mermaid label. */
function mermaidText(s: string): string {
  return s.replace(/["|<>{}[\]()#;`\n\r]/g, '_');
}

export function toDot(g: MembraneGraph): string {
  const q = (s: string) => `"${s.replace(/["\\\n\r]/g, '_')}"`;
  const lines = ['digraph membrane {', '  rankdir=LR;'];
  for (const n of g.nodes) {
    const attrs = [`label=${q(n.id === 'internet' ? 'Internet' : n.id)}`];
    if (n.role === 'store') attrs.push('shape=cylinder', 'color=red');
    else if (n.role === 'policy') attrs.push('shape=hexagon');
    else if (n.role === 'outside') attrs.push('shape=doublecircle');
    lines.push(`  ${q(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of g.edges) {
    const attrs = [`label=${q(e.breach ? `BREACH: ${e.kind}` : e.kind)}`];
    if (e.breach) attrs.push('color=red', 'penwidth=3');
    if (!carriesTraffic(e)) attrs.push('style=dashed');
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function toJson(graphs: MembraneGraph[]): string {
  return `${JSON.stringify({ graphs }, null, 2)}\n`;
}

/** Markdown for a GitHub step summary: one Mermaid block per env, with the breaches listed under it. */
export function toGithubSummary(graphs: MembraneGraph[]): string {
  const out: string[] = [];
  for (const g of graphs) {
    const b = breaches(g);
    out.push(`### Trust membrane: env ${g.env}`, '');
    out.push(
      b.length === 0
        ? 'No path from outside the cluster to a store.'
        : `**${b.length} edge(s) on a path from outside to a store.**`,
      '',
    );
    out.push('```mermaid', toMermaid(g).trimEnd(), '```', '');
  }
  return out.join('\n');
}
