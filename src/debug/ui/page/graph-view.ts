// Draws a GraphModel as SVG. Positions come from ELK's layered layout (elkjs, run in a Web Worker so a
// large mesh never blocks the page); this file only measures text, hands ELK the boxes, and draws
// what comes back. Layout runs only when the picture changed; a newer picture waiting while one is
// laid out replaces it. Narrow windows get a top-to-bottom layout.
import ELK from 'elkjs/lib/elk-api.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { s } from './dom.js';
import type { GraphEdge, GraphModel, GraphNode } from './graph-model.js';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const TITLE_FONT = `600 13px ${FONT}`;
const DETAIL_FONT = `12px ${FONT}`;
const LABEL_FONT = `12px ${FONT}`;
const NARROW_PX = 720;
const PALETTE_SIZE = 6;

interface Laid {
  node: GraphNode;
  x: number;
  y: number;
  width: number;
  height: number;
}

export class GraphView {
  private readonly elk: InstanceType<typeof ELK>;
  private readonly measure: CanvasRenderingContext2D;
  private drawnKey = '';
  private running = false;
  private next: GraphModel | undefined;
  private last: GraphModel | undefined;
  private narrow: boolean;

  constructor(
    private readonly host: HTMLElement,
    workerUrl: string,
    private readonly onError: (message: string | undefined) => void,
  ) {
    this.elk = new ELK({ workerUrl });
    this.measure = document.createElement('canvas').getContext('2d')!;
    this.narrow = host.clientWidth > 0 && host.clientWidth < NARROW_PX;
    new ResizeObserver(() => {
      const narrow = this.host.clientWidth > 0 && this.host.clientWidth < NARROW_PX;
      if (narrow === this.narrow || !this.last) return;
      this.narrow = narrow;
      this.drawnKey = '';
      this.show(this.last);
    }).observe(host);
  }

  /** Lays out and draws the model unless it is the one already drawn. */
  show(model: GraphModel): void {
    this.last = model;
    this.next = model;
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.next) {
        const model = this.next;
        this.next = undefined;
        const key = `${this.narrow}|${JSON.stringify(model)}`;
        if (key === this.drawnKey) continue;
        try {
          const laid = await this.elk.layout(this.elkGraph(model));
          if (this.next) continue; // already out of date
          this.draw(model, laid);
          this.drawnKey = key;
          this.onError(undefined);
        } catch (err) {
          this.onError(`graph layout failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private textWidth(text: string, font: string): number {
    this.measure.font = font;
    return Math.ceil(this.measure.measureText(text).width);
  }

  private elkGraph(model: GraphModel): ElkNode {
    const byParent = new Map<string | undefined, GraphNode[]>();
    for (const n of model.nodes) {
      const list = byParent.get(n.parent) ?? [];
      list.push(n);
      byParent.set(n.parent, list);
    }
    const toElk = (n: GraphNode): ElkNode => {
      const children = byParent.get(n.id);
      const titleW = this.textWidth(n.title, TITLE_FONT);
      const detailW = n.detail ? this.textWidth(n.detail, DETAIL_FONT) : 0;
      if (children && children.length > 0) {
        // The title is drawn in the top padding (not given to ELK as a label, which would reserve it twice).
        return {
          id: n.id,
          layoutOptions: {
            'elk.padding': `[top=${n.detail ? 50 : 34},left=14,bottom=14,right=14]`,
            'elk.nodeSize.constraints': 'MINIMUM_SIZE',
            'elk.nodeSize.minimum': `(${Math.max(titleW, detailW) + 28}, 60)`,
          },
          children: children.map(toElk),
        };
      }
      return { id: n.id, width: Math.max(titleW, detailW) + 26, height: n.detail ? 46 : 30 };
    };
    const edges: ElkExtendedEdge[] = model.edges
      .filter((e) => model.nodes.some((n) => n.id === e.source) && model.nodes.some((n) => n.id === e.target))
      .map((e) => ({
        id: e.id,
        sources: [e.source],
        targets: [e.target],
        ...(e.label ? { labels: [{ text: e.label, width: this.textWidth(e.label, LABEL_FONT) + 10, height: 18 }] } : {}),
      }));
    return {
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': this.narrow ? 'DOWN' : 'RIGHT',
        'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
        'elk.json.edgeCoords': 'ROOT',
        'elk.json.shapeCoords': 'ROOT',
        'elk.spacing.nodeNode': '22',
        'elk.layered.spacing.nodeNodeBetweenLayers': '56',
        'elk.spacing.edgeLabel': '4',
        'elk.edgeLabels.placement': 'CENTER',
        'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
        'elk.padding': '[top=8,left=8,bottom=8,right=8]',
      },
      children: (byParent.get(undefined) ?? []).map(toElk),
      edges,
    };
  }

  private draw(model: GraphModel, laid: ElkNode): void {
    const boxes = new Map<string, Laid>();
    const nodeById = new Map(model.nodes.map((n) => [n.id, n]));
    const walk = (e: ElkNode) => {
      for (const c of e.children ?? []) {
        const node = nodeById.get(c.id);
        if (node) boxes.set(c.id, { node, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 });
        walk(c);
      }
    };
    walk(laid);
    const width = Math.ceil(laid.width ?? 0);
    const height = Math.ceil(laid.height ?? 0);
    const svg = s('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'mesh graph: networks, clusters, gateways' });
    svg.append(
      s(
        'defs',
        {},
        ...(['direct', 'gateway', 'forward', 'left-out'] as const).map((kind) =>
          s('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', class: `arrow arrow-${kind}` }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z' })),
        ),
      ),
    );
    const depth = (n: GraphNode): number => (n.parent ? 1 + depth(nodeById.get(n.parent) ?? { id: '', kind: 'network', title: '' }) : 0);
    const ordered = [...boxes.values()].sort((a, b) => depth(a.node) - depth(b.node));
    const compounds = ordered.filter((b) => model.nodes.some((n) => n.parent === b.node.id));
    const leaves = ordered.filter((b) => !compounds.includes(b));
    for (const b of compounds) svg.append(this.compound(b));
    const edgeById = new Map(model.edges.map((e) => [e.id, e]));
    const labels: SVGGElement[] = [];
    for (const e of laid.edges ?? []) {
      const edge = edgeById.get(e.id);
      if (!edge) continue;
      const [g, label] = this.edge(edge, e as ElkExtendedEdge);
      svg.append(g);
      if (label) labels.push(label);
    }
    for (const b of leaves) svg.append(this.leaf(b));
    for (const l of labels) svg.append(l);
    this.host.replaceChildren(svg);
  }

  private classes(n: GraphNode): string {
    return ['node', `node-${n.kind}`, n.tone ? `tone-${n.tone}` : '', n.color !== undefined ? `net-${n.color % PALETTE_SIZE}` : '', n.dim ? 'dim' : ''].filter(Boolean).join(' ');
  }

  private compound(b: Laid): SVGGElement {
    const n = b.node;
    return s(
      'g',
      { class: this.classes(n), 'data-node-id': n.id },
      n.tooltip ? s('title', {}, n.tooltip) : null,
      s('rect', { x: b.x, y: b.y, width: b.width, height: b.height, rx: 10 }),
      s('text', { class: 'title', x: b.x + 14, y: b.y + 22 }, n.title),
      n.detail ? s('text', { class: 'detail', x: b.x + 14, y: b.y + 39 }, n.detail) : null,
    );
  }

  private leaf(b: Laid): SVGGElement {
    const n = b.node;
    const title = n.detail ? b.y + 19 : b.y + b.height / 2 + 5;
    return s(
      'g',
      { class: this.classes(n), 'data-node-id': n.id },
      s('title', {}, [n.title, n.detail, n.tooltip].filter(Boolean).join('\n')),
      s('rect', { x: b.x, y: b.y, width: b.width, height: b.height, rx: n.kind === 'callers' ? b.height / 2 : n.kind === 'gateway' ? 2 : 6 }),
      n.kind === 'cluster' ? s('circle', { class: 'dot', cx: b.x + b.width - 9, cy: b.y + 9, r: 3.5 }) : null,
      s('text', { class: 'title', x: b.x + 13, y: title }, n.title),
      n.detail ? s('text', { class: 'detail', x: b.x + 13, y: b.y + 36 }, n.detail) : null,
    );
  }

  private edge(edge: GraphEdge, laid: ElkExtendedEdge): [SVGGElement, SVGGElement | undefined] {
    const parts: string[] = [];
    for (const sec of laid.sections ?? []) {
      const points = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
      parts.push(points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' '));
    }
    const g = s(
      'g',
      { class: `edge edge-${edge.kind}`, 'data-edge-id': edge.id },
      s('path', { d: parts.join(' '), 'marker-end': `url(#arrow-${edge.kind})` }),
    );
    const l = laid.labels?.[0];
    if (!edge.label || !l) return [g, undefined];
    const label = s(
      'g',
      { class: `edge-label edge-label-${edge.kind}`, 'data-edge-id': edge.id },
      s('rect', { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0, height: l.height ?? 0, rx: 4 }),
      s('text', { x: (l.x ?? 0) + 5, y: (l.y ?? 0) + 13 }, edge.label),
    );
    return [g, label];
  }
}
