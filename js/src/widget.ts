// The anywidget front end: wires the model, the DOM, the canvas and the interaction state.
import { buildControls, type ControlState, type Controls, themeVariables } from "./controls";
import { asBytes, decodePayload, type MinimapData } from "./decode";
import { hitTest, type Hit } from "./hittest";
import { type Focus, keyAction } from "./keyboard";
import {
  type Columns,
  columns,
  formatDuration,
  layoutMarkers,
  layoutRow,
  type MarkerItem,
  ROW,
  type RowLayout,
  type Scale,
  type WidthMode,
} from "./layout";
import { draw, type ColorBy } from "./render";
import { maskOf, type SortBy, visibleRows } from "./rows";
import { CSS } from "./styles";
import { detectTheme, THEMES, type Theme, type ThemePreference, watchTheme } from "./theme";
import { fillTooltip, markerTooltip, rowLines, spanLines } from "./tooltip";

/** The subset of the anywidget model API the widget uses (also implemented by the HTML export shim). */
export interface Model {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
  on(event: string, callback: () => void): void;
  off(event?: string | null, callback?: (() => void) | null): void;
  save_changes(): void;
}

export interface Selected {
  conversation_id: string;
  trace_id: string;
  span_id: string;
}

interface Geometry {
  spans: RowLayout;
  markers: MarkerItem[];
}

const OPTION_TRAITS = [
  "sort_by",
  "sort_descending",
  "filter_status",
  "filter_category",
  "filter_has_feedback",
  "width_mode",
  "scale",
  "color_by",
] as const;
const MIN_HEIGHT = 2 * ROW.height;
const CACHE_LIMIT = 4000;

function h<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  node.className = cls;
  return node;
}

export class MinimapView {
  readonly root: HTMLDivElement;
  private readonly doc: Document;
  private readonly scroll: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly spacer: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly live: HTMLDivElement;
  private readonly controls: Controls;
  private readonly disposers: (() => void)[] = [];
  private data: MinimapData | null = null;
  private rows: Uint32Array = new Uint32Array(0);
  private readonly cache = new Map<number, Geometry>();
  private cols: Columns = columns(800);
  private theme: Theme = THEMES.light;
  private width = 0;
  private viewHeight = MIN_HEIGHT;
  private dpr = 1;
  private hoverRow = -1;
  private focus: Focus | null = null;
  private selected: { conversation: number; span: number } | null = null;
  private conversationIndex: Map<string, number> | null = null;
  private frameRequest = 0;
  private renders = 0;
  private firstPaintPending = false;
  private loadVersion = 0;

  constructor(
    private readonly model: Model,
    host: HTMLElement,
  ) {
    this.doc = host.ownerDocument;
    const doc = this.doc;
    this.root = h(doc, "div", "wwm-root");
    const style = doc.createElement("style");
    style.textContent = CSS;
    this.controls = buildControls(doc, (name, value) => this.setTrait(name, value), () => this.downloadPng());
    this.scroll = h(doc, "div", "wwm-scroll");
    this.scroll.tabIndex = 0;
    this.scroll.setAttribute("role", "group");
    this.scroll.setAttribute("aria-roledescription", "conversation minimap");
    this.canvas = h(doc, "canvas", "wwm-canvas");
    this.canvas.setAttribute("aria-hidden", "true");
    this.spacer = h(doc, "div", "wwm-spacer");
    this.scroll.append(this.canvas, this.spacer);
    this.tooltip = h(doc, "div", "wwm-tooltip");
    this.tooltip.setAttribute("role", "tooltip");
    this.tooltip.hidden = true;
    this.live = h(doc, "div", "wwm-live");
    this.live.setAttribute("aria-live", "polite");
    this.root.append(style, this.controls.toolbar, this.controls.legend, this.scroll, this.tooltip, this.live);
    host.replaceChildren(this.root);
    Object.assign(this.root, { weaveMinimap: this.automationHooks() });

    this.listen();
    this.applyTheme();
    this.updateControls();
    void this.loadData();
  }

  /** Stop listening and drop the DOM. */
  dispose(): void {
    cancelAnimationFrame(this.frameRequest);
    for (const dispose of this.disposers) dispose();
    this.root.remove();
  }

  private on(event: string, callback: () => void): void {
    this.model.on(event, callback);
    this.disposers.push(() => this.model.off(event, callback));
  }

  private listen(): void {
    this.on("change:payload", () => void this.loadData());
    for (const name of OPTION_TRAITS) this.on(`change:${name}`, () => this.applyOptions());
    this.on("change:selected", () => this.applySelected(true));
    this.on("change:height", () => this.resize());
    this.on("change:theme", () => this.applyTheme());
    this.disposers.push(watchTheme(this.root, () => this.applyTheme()));

    const resizeObserver = new ResizeObserver(() => this.resize());
    resizeObserver.observe(this.root);
    this.disposers.push(() => resizeObserver.disconnect());
    this.watchPixelRatio();

    const add = <K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K, fn: (e: HTMLElementEventMap[K]) => void): void => {
      target.addEventListener(type, fn);
      this.disposers.push(() => target.removeEventListener(type, fn));
    };
    add(this.scroll, "scroll", () => {
      this.hideTooltip();
      this.schedule();
    });
    add(this.canvas, "mousemove", (e) => this.onHover(e));
    add(this.canvas, "mouseleave", () => {
      this.hoverRow = -1;
      this.hideTooltip();
      this.schedule();
    });
    add(this.canvas, "click", (e) => this.onClick(e));
    add(this.scroll, "keydown", (e) => this.onKey(e));
  }

  private watchPixelRatio(): void {
    const view = this.doc.defaultView;
    if (!view?.matchMedia) return;
    const query = view.matchMedia(`(resolution: ${view.devicePixelRatio}dppx)`);
    const onChange = (): void => {
      query.removeEventListener("change", onChange);
      this.resize();
      this.watchPixelRatio();
    };
    query.addEventListener("change", onChange);
    this.disposers.push(() => query.removeEventListener("change", onChange));
  }

  // ---- model -> view -------------------------------------------------------------------------

  private option<T>(name: string, fallback: T): T {
    const value = this.model.get(name);
    return value === undefined || value === null ? fallback : (value as T);
  }

  private controlState(): ControlState {
    return {
      sort_by: this.option("sort_by", "input"),
      sort_descending: this.option("sort_descending", false),
      filter_status: this.option<string[]>("filter_status", []),
      filter_category: this.option<string[]>("filter_category", []),
      filter_has_feedback: this.option("filter_has_feedback", false),
      width_mode: this.option("width_mode", "duration"),
      scale: this.option("scale", "sqrt"),
      color_by: this.option("color_by", "category"),
    };
  }

  private updateControls(): void {
    const data = this.data;
    let anyCapped = false;
    if (data) for (let c = 0; c < data.nConversations && !anyCapped; c++) anyCapped = data.atSpanCap[c] === 1;
    this.controls.update(this.controlState(), data?.palette ?? null, anyCapped);
    const shown = this.rows.length;
    this.controls.summary.textContent = data
      ? `${shown.toLocaleString("en-US")} of ${data.nConversations.toLocaleString("en-US")} conversations · ${data.nSpans.toLocaleString("en-US")} spans`
      : "loading…";
    this.scroll.setAttribute(
      "aria-label",
      `Conversation minimap, ${shown} conversations. Arrow keys move between spans and rows, Enter selects, Escape clears.`,
    );
  }

  private async loadData(): Promise<void> {
    const version = ++this.loadVersion;
    const raw = this.model.get("payload") as DataView | ArrayBuffer | Uint8Array | null | undefined;
    performance.mark("weave-minimap:data-set");
    if (!raw || asBytes(raw).byteLength === 0) return;
    let data: MinimapData;
    try {
      data = await decodePayload(asBytes(raw));
    } catch (error) {
      this.showError(error);
      return;
    }
    if (version !== this.loadVersion) return;
    this.data = data;
    this.conversationIndex = null;
    this.cache.clear();
    this.focus = null;
    this.firstPaintPending = true;
    this.root.dataset.ready = "0";
    this.recomputeRows();
    this.applySelected(false);
    this.resize();
  }

  private showError(error: unknown): void {
    const box = h(this.doc, "div", "wwm-error");
    box.textContent = `Could not draw the minimap: ${error instanceof Error ? error.message : String(error)}`;
    this.scroll.replaceChildren(box);
    this.root.dataset.ready = "error";
  }

  private recomputeRows(): void {
    const state = this.controlState();
    this.rows = this.data
      ? visibleRows(this.data, {
          sortBy: state.sort_by as SortBy,
          descending: state.sort_descending,
          filterStatus: state.filter_status,
          filterCategory: state.filter_category,
          filterHasFeedback: state.filter_has_feedback,
        })
      : new Uint32Array(0);
    this.updateControls();
  }

  private applyOptions(): void {
    this.cache.clear();
    this.focus = null;
    this.recomputeRows();
    this.resize();
  }

  private applyTheme(): void {
    const name = detectTheme(this.root, this.option<ThemePreference>("theme", "auto"));
    this.theme = THEMES[name];
    this.root.dataset.theme = name;
    for (const [key, value] of Object.entries(themeVariables(this.theme))) this.root.style.setProperty(key, value);
    this.schedule();
  }

  private indexOfConversation(id: string): number {
    if (!this.data) return -1;
    if (!this.conversationIndex) {
      this.conversationIndex = new Map();
      for (let c = 0; c < this.data.nConversations; c++) this.conversationIndex.set(this.data.conversationIds.get(c), c);
    }
    return this.conversationIndex.get(id) ?? -1;
  }

  private applySelected(reveal: boolean): void {
    const data = this.data;
    const value = this.option<Partial<Selected>>("selected", {});
    this.selected = null;
    if (data && value.conversation_id !== undefined && value.span_id !== undefined) {
      const c = this.indexOfConversation(value.conversation_id);
      if (c >= 0) {
        for (let s = data.spanOffsets[c]; s < data.spanOffsets[c + 1]; s++) {
          if (data.spanId.get(s) === value.span_id) {
            this.selected = { conversation: c, span: s - data.spanOffsets[c] };
            break;
          }
        }
      }
    }
    if (reveal && this.selected) {
      const row = this.rows.indexOf(this.selected.conversation);
      if (row >= 0) {
        this.focus = { row, span: this.selected.span };
        this.reveal(row);
      }
    }
    this.schedule();
  }

  // ---- view -> model -------------------------------------------------------------------------

  private setTrait(name: string, value: unknown): void {
    this.model.set(name, value);
    this.model.save_changes();
  }

  private select(row: number, span: number): void {
    const data = this.data;
    if (!data) return;
    const c = this.rows[row];
    const s = data.spanOffsets[c] + span;
    const value: Selected = {
      conversation_id: data.conversationIds.get(c),
      trace_id: data.traces.get(data.spanTrace[s]),
      span_id: data.spanId.get(s),
    };
    this.selected = { conversation: c, span };
    this.setTrait("selected", value);
    this.schedule();
  }

  // ---- geometry and painting -----------------------------------------------------------------

  private geometry(row: number): Geometry {
    const data = this.data as MinimapData;
    const c = this.rows[row];
    let g = this.cache.get(c);
    if (!g) {
      if (this.cache.size > CACHE_LIMIT) this.cache.clear();
      const state = this.controlState();
      const spans = layoutRow(data, c, this.cols, state.width_mode as WidthMode, state.scale as Scale);
      g = { spans, markers: layoutMarkers(data, c, spans, this.cols) };
      this.cache.set(c, g);
    }
    return g;
  }

  private resize(): void {
    const width = Math.max(320, Math.floor(this.scroll.clientWidth || this.root.clientWidth || 800));
    const content = this.rows.length * ROW.height;
    const maxHeight = Math.max(MIN_HEIGHT, Number(this.option("height", 480)));
    const viewHeight = Math.max(MIN_HEIGHT, Math.min(maxHeight, content));
    const dpr = this.doc.defaultView?.devicePixelRatio || 1;
    if (width !== this.width) {
      this.cols = columns(width);
      this.cache.clear();
    }
    this.width = width;
    this.viewHeight = viewHeight;
    this.dpr = dpr;
    this.scroll.style.height = `${viewHeight}px`;
    this.spacer.style.height = `${Math.max(0, content - viewHeight)}px`;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${viewHeight}px`;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(viewHeight * dpr);
    this.schedule();
  }

  private schedule(): void {
    if (this.frameRequest) return;
    this.frameRequest = requestAnimationFrame(() => {
      this.frameRequest = 0;
      this.paint();
    });
  }

  private paint(): void {
    const data = this.data;
    const ctx = this.canvas.getContext("2d");
    if (!data || !ctx) return;
    const t0 = performance.now();
    const state = this.controlState();
    draw(ctx, {
      data,
      rows: this.rows,
      theme: this.theme,
      cols: this.cols,
      width: this.width,
      height: this.viewHeight,
      scrollTop: this.scroll.scrollTop,
      dpr: this.dpr,
      colorBy: state.color_by as ColorBy,
      statusMask: maskOf(data.palette.statuses, state.filter_status),
      categoryMask: maskOf(data.palette.categories, state.filter_category),
      hoverRow: this.hoverRow,
      focus: this.focus,
      selected: this.selected,
      geometry: (row) => this.geometry(row),
    });
    performance.measure("weave-minimap:frame", { start: t0, end: performance.now() });
    this.renders++;
    this.root.dataset.renders = String(this.renders);
    if (this.firstPaintPending) {
      this.firstPaintPending = false;
      performance.mark("weave-minimap:first-paint");
      this.root.dataset.ready = "1";
    }
  }

  // ---- interaction ---------------------------------------------------------------------------

  private hitAt(e: MouseEvent): Hit {
    if (!this.data) return { kind: "none" };
    const rect = this.canvas.getBoundingClientRect();
    return hitTest(e.clientX - rect.left, e.clientY - rect.top, this.scroll.scrollTop, this.rows.length, this.cols, (row) =>
      this.geometry(row),
    );
  }

  private onHover(e: MouseEvent): void {
    const data = this.data;
    const hit = this.hitAt(e);
    const row = hit.kind === "none" ? -1 : hit.row;
    if (row !== this.hoverRow) {
      this.hoverRow = row;
      this.schedule();
    }
    if (!data || hit.kind === "none" || hit.kind === "row") {
      this.canvas.style.cursor = "default";
      this.hideTooltip();
      return;
    }
    const c = this.rows[hit.row];
    this.canvas.style.cursor = hit.kind === "span" ? "pointer" : "default";
    const lines =
      hit.kind === "span"
        ? spanLines(data, data.spanOffsets[c] + hit.span)
        : hit.kind === "marker"
          ? markerTooltip(data, c, hit.item.marker, hit.item.hidden)
          : rowLines(data, c);
    const rootRect = this.root.getBoundingClientRect();
    this.showTooltip(lines, e.clientX - rootRect.left, e.clientY - rootRect.top);
  }

  private onClick(e: MouseEvent): void {
    const hit = this.hitAt(e);
    if (hit.kind !== "span") return;
    this.focus = { row: hit.row, span: hit.span };
    this.scroll.focus({ preventScroll: true });
    this.select(hit.row, hit.span);
  }

  private onKey(e: KeyboardEvent): void {
    const data = this.data;
    if (!data) return;
    const action = keyAction(e.key, this.focus, this.rows.length, (row) => {
      const c = this.rows[row];
      return data.spanOffsets[c + 1] - data.spanOffsets[c];
    });
    if (action.kind === "none") return;
    e.preventDefault();
    if (action.kind === "clear") {
      this.focus = null;
      this.selected = null;
      this.hideTooltip();
      this.live.textContent = "Selection cleared";
      this.setTrait("selected", {});
      this.schedule();
      return;
    }
    this.focus = action.focus;
    this.reveal(action.focus.row);
    if (action.kind === "select") this.select(action.focus.row, action.focus.span);
    this.announce(action.focus, action.kind === "select");
    this.schedule();
  }

  private announce(focus: Focus, selected: boolean): void {
    const data = this.data as MinimapData;
    const c = this.rows[focus.row];
    const conversation = data.conversationIds.get(c);
    if (focus.span < 0) {
      this.live.textContent = `Conversation ${conversation}: no spans`;
      this.hideTooltip();
      return;
    }
    const s = data.spanOffsets[c] + focus.span;
    const status = data.palette.statuses[data.spanStatus[s]];
    this.live.textContent =
      `${selected ? "Selected " : ""}${data.operations.get(data.spanOperation[s])}, ` +
      `${data.palette.categories[data.spanCategory[s]]}, ${status}, ${formatDuration(data.spanDuration[s])}, ` +
      `turn ${data.spanTurn[s] + 1}, span ${focus.span + 1} of ${data.spanOffsets[c + 1] - data.spanOffsets[c]}, ` +
      `conversation ${conversation}`;
    const g = this.geometry(focus.row);
    const canvasTop = this.canvas.getBoundingClientRect().top - this.root.getBoundingClientRect().top;
    const y = canvasTop + focus.row * ROW.height - this.scroll.scrollTop + ROW.trackTop + ROW.trackHeight;
    this.showTooltip(spanLines(data, s), g.spans.x[focus.span] + g.spans.w[focus.span] / 2, y);
  }

  /** Scroll so that visible row ``row`` is fully shown. */
  private reveal(row: number): void {
    const top = row * ROW.height;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + ROW.height > this.scroll.scrollTop + this.viewHeight) this.scroll.scrollTop = top + ROW.height - this.viewHeight;
  }

  private showTooltip(lines: ReturnType<typeof spanLines>, x: number, y: number): void {
    fillTooltip(this.tooltip, lines);
    this.tooltip.hidden = false;
    const width = this.root.clientWidth;
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    const left = x + 14 + tw > width ? Math.max(0, x - 14 - tw) : x + 14;
    const below = y + 16;
    const top = below + th > this.root.clientHeight && y - 10 - th >= 0 ? y - 10 - th : below;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  private downloadPng(): void {
    this.canvas.toBlob((blob) => {
      if (!blob) return;
      const link = this.doc.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "conversation-minimap.png";
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    }, "image/png");
  }

  /** Geometry helpers for automation and tests (CSS px relative to the canvas). */
  private automationHooks(): Record<string, unknown> {
    const rowOf = (conversationId: string): number => this.rows.indexOf(this.indexOfConversation(conversationId));
    const rect = (row: number, x: number, w: number, top: number, height: number) => ({
      x,
      y: row * ROW.height - this.scroll.scrollTop + top,
      w,
      h: height,
    });
    return {
      rowOf,
      spanRect: (conversationId: string, spanIndex: number) => {
        const row = rowOf(conversationId);
        if (row < 0) return null;
        this.reveal(row);
        const g = this.geometry(row);
        return rect(row, g.spans.x[spanIndex], g.spans.w[spanIndex], ROW.trackTop, ROW.trackHeight);
      },
      markerRects: (conversationId: string) => {
        const row = rowOf(conversationId);
        if (row < 0) return [];
        this.reveal(row);
        return this.geometry(row).markers.map((m) => ({
          ...rect(row, m.x, m.w, ROW.markerTop, ROW.markerHeight),
          kind: m.kind,
          text: m.text,
          value: m.value,
        }));
      },
    };
  }
}

/** anywidget entry point. */
function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const view = new MinimapView(model, el);
  return () => view.dispose();
}

export default { render };
