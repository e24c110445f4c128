/** The membrane graph's shape checks, breach marking and formats (pure). */
import { describe, expect, it } from 'vitest';
import { breaches, toDot, toGithubSummary, toMembraneGraph, toMermaid } from '../../src/graph/membrane.js';

const value = (extra: { from: string; to: string; kind: string }[] = []) => ({
  nodes: [
    { id: 'internet', kind: 'Internet', role: 'outside' },
    { id: 'Route/ns/api', kind: 'Route', role: 'entry' },
    { id: 'Service/ns/api', kind: 'Service', role: 'other' },
    { id: 'Deployment/ns/api', kind: 'Deployment', role: 'governed-api' },
    { id: 'Service/ns/db', kind: 'Service', role: 'store' },
    { id: 'StatefulSet/ns/db', kind: 'StatefulSet', role: 'store' },
    { id: 'NetworkPolicy/ns/deny', kind: 'NetworkPolicy', role: 'policy' },
    { id: 'NetworkPolicy/other/deny', kind: 'NetworkPolicy', role: 'policy' },
  ],
  edges: [
    { from: 'internet', to: 'Route/ns/api', kind: 'exposes' },
    { from: 'Route/ns/api', to: 'Service/ns/api', kind: 'routes' },
    { from: 'Service/ns/api', to: 'Deployment/ns/api', kind: 'selects' },
    { from: 'Service/ns/db', to: 'StatefulSet/ns/db', kind: 'selects' },
    { from: 'NetworkPolicy/ns/deny', to: 'StatefulSet/ns/db', kind: 'denies' },
    ...extra,
  ],
});

describe('membrane graph', () => {
  it('marks nothing when no path from outside reaches a store, and drops unlinked context nodes', () => {
    const g = toMembraneGraph('prod', value());
    expect(breaches(g)).toEqual([]);
    expect(g.nodes.map((n) => n.id)).not.toContain('NetworkPolicy/other/deny');
    expect(toGithubSummary([g])).toContain('No path from outside the cluster to a store.');
  });

  it('marks every edge of a path from outside to a store, and only those', () => {
    const g = toMembraneGraph(
      'prod',
      value([
        { from: 'internet', to: 'Route/ns/db-console', kind: 'exposes' },
        { from: 'Route/ns/db-console', to: 'Service/ns/db', kind: 'routes' },
      ]),
    );
    expect(breaches(g).map((e) => `${e.from}>${e.to}`)).toEqual([
      'Service/ns/db>StatefulSet/ns/db',
      'internet>Route/ns/db-console',
      'Route/ns/db-console>Service/ns/db',
    ]);
    const mermaid = toMermaid(g);
    expect(mermaid).toMatch(/\|BREACH: routes\|/);
    expect(mermaid).toMatch(/linkStyle \d+(,\d+)* stroke:#d92d20/);
    expect(toDot(g)).toContain('"Route/ns/db-console" -> "Service/ns/db" [label="BREACH: routes", color=red');
  });

  it('keeps hostile names from breaking out of Mermaid labels', () => {
    const g = toMembraneGraph('prod', value([{ from: 'internet', to: 'Route/ns/x"]-->y["z', kind: 'exposes' }]));
    expect(toMermaid(g)).not.toContain('x"]');
  });

  it('refuses a malformed value', () => {
    expect(() => toMembraneGraph('prod', { nodes: [{ id: 1 }], edges: [] })).toThrow(/malformed graph node/);
    expect(() => toMembraneGraph('prod', null)).toThrow(/not \{nodes, edges\}/);
  });
});
