// The minimap view: builds the DOM, follows the model, lays rows out, sizes the canvas and schedules paints.
import { FEEDBACK_LEVEL } from "./contract";
import { buildControls, type Controls, keyShortText, keyText, summaryText } from "./controls";
import { asBytes, decodePayload, type MinimapData } from "./decode";
import { downloadCanvas, el } from "./dom";
import { Interaction, type InteractionHost } from "./interaction";
import type { Focus } from "./keyboard";
import { type Columns, columns, layoutMarkers, layoutRow, ROW, type RowAxis, type RowGeometry, rowWeight } from "./layout";
import { draw, labelRoom, labelTexts } from "./render";
import { maskOf, matchingSpans, visibleRows } from "./rows";
import { layoutAligned, turnColumns } from "./align";
import { type GroupSummary, groupRows, hasGroups, isHeader } from "./cohorts";
import { keepConversations, litSpans, type PickMode, RowSelection } from "./selection";
import { CSS } from "./styles";
import { type HookHost, installAutomationHooks } from "./testhooks";
import { detectTheme, THEMES, type Theme, themeVariables, watchTheme } from "./theme";
import { type Channel, prefetchedOf, SearchBox, TranscriptPanel } from "./transcript";
import { conversationIndex, type Message, type Model, ModelSync, OPTION_TRAITS, type SpanRef } from "./sync";

const MIN_HEIGHT = 2 * ROW.height;
const EMPTY_GEOMETRY: RowGeometry = {
  spans: { x: new Float64Array(0), w: new Float64Array(0), frame: new Uint8Array(0), turnX: new Float64Array(0), dividers: [], end: 0 },
  markers: [],
};
/** Options that change which rows show or their order. */
const ROW_ORDER_TRAITS: ReadonlySet<string> = new Set(["sort_by", "sort_descending", "filter_status", "filter_category", "filter_has_feedback"]);
const CACHE_LIMIT = 4000;
/** How long a view waits for Python's answer before saying the data is not there. */
const NO_DATA_AFTER_MS = 8000;

export class MinimapView implements InteractionHost, HookHost {
  readonly root: HTMLDivElement;
  readonly scroll: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly tooltip: HTMLDivElement;
  readonly live: HTMLDivElement;
  data: MinimapData | null = null;
  /** Visible rows: conversation indices in display order. */
  rows: Uint32Array = new Uint32Array(0);
  /** The conversations that pass the filters, in order, without cohort headers or folds. */
  private conversationRows: Uint32Array = new Uint32Array(0);
  cols: Columns = columns(800);
  hoverRow = -1;
  /** The time axis rows are laid out on (shared: the longest visible row is full width). */
  axis: RowAxis = { mode: "duration", scale: "sqrt", shared: true, axisMax: 0 };
  focus: Focus | null = null;
  private selected: SpanRef | null = null;
  /** Conversations picked by row label (`selected_conversations`). */
  readonly picks = new RowSelection();
  /** Spans a linked view lights up (`highlight`), or null. */
  private lit: Uint8Array | null = null;
  /** Group header summaries by group code, when grouped (`groups`). */
  private summaries: GroupSummary[] = [];
  private readonly doc: Document;
  private readonly spacer: HTMLDivElement;
  private readonly controls: Controls;
  private readonly sync: ModelSync;
  private readonly interaction: Interaction;
  private readonly disposers: (() => void)[] = [];
  private readonly cache = new Map<number, RowGeometry>();
  private theme: Theme = THEMES.light;
  private width = 0;
  private viewHeight = MIN_HEIGHT;
  private dpr = 1;
  private frameRequest = 0;
  private renders = 0;
  private firstPaintPending = false;
  private loadVersion = 0;
  private readonly channel: Channel | null;
  readonly panel: TranscriptPanel;
  readonly search: SearchBox;
  /** Conversations whose messages match the search box, or null (no search). */
  private searchMatches: Set<number> | null = null;
  private searchIds: string[] | null = null;
  private snapshotImage: HTMLImageElement | null = null;

  constructor(model: Model, host: HTMLElement) {
    this.sync = new ModelSync(model);
    this.doc = host.ownerDocument;
    const doc = this.doc;
    this.root = el(doc, "div", "wwm-root");
    const style = doc.createElement("style");
    style.textContent = CSS;
    this.channel = model.send ? { send: (message) => void this.sync.send(message as Message) } : null;
    this.search = new SearchBox(doc, this.channel, (ids) => this.applySearch(ids));
    this.controls = buildControls(
      doc,
      (name, value) => this.sync.set(name, value),
      () => downloadCanvas(this.exportImage(), "conversation-minimap.png"),
      this.search.root,
    );
    this.scroll = el(doc, "div", "wwm-scroll");
    this.scroll.tabIndex = 0;
    this.scroll.setAttribute("role", "group");
    this.scroll.setAttribute("aria-roledescription", "conversation minimap");
    this.canvas = el(doc, "canvas", "wwm-canvas");
    this.canvas.setAttribute("aria-hidden", "true");
    this.spacer = el(doc, "div", "wwm-spacer");
    this.scroll.append(this.canvas, this.spacer);
    this.tooltip = el(doc, "div", "wwm-tooltip");
    this.tooltip.setAttribute("role", "tooltip");
    this.tooltip.hidden = true;
    this.live = el(doc, "div", "wwm-live");
    this.live.setAttribute("aria-live", "polite");
    this.panel = new TranscriptPanel(doc, this.channel, prefetchedOf(model), () => this.clearSelection());
    this.root.append(
      style,
      this.controls.toolbar,
      this.controls.keybar,
      this.controls.legend,
      this.scroll,
      this.panel.root,
      this.tooltip,
      this.live,
    );
    host.replaceChildren(this.root);
    installAutomationHooks(this.root, this);
    this.interaction = new Interaction(this);

    this.listen();
    this.applyTheme();
    this.updateControls();
    void this.loadData();
  }

  /** Stop listening and drop the DOM. */
  dispose(): void {
    cancelAnimationFrame(this.frameRequest);
    this.sync.dispose();
    for (const dispose of this.disposers) dispose();
    this.root.remove();
  }

  private listen(): void {
    const sync = this.sync;
    sync.onChange("payload", () => void this.loadData());
    sync.onMessage("transcript", (m) => this.panel.receive(m));
    sync.onMessage("search", (m) => this.search.receive(m));
    sync.onMessage("payload", (_, buffers) => {
      if (buffers.length) void this.loadData(asBytes(buffers[0]));
    });
    for (const name of OPTION_TRAITS) sync.onChange(name, () => this.applyOptions(ROW_ORDER_TRAITS.has(name)));
    sync.onChange("selected", () => this.applySelected(true));
    sync.onChange("selected_conversations", () => this.applyPicks());
    sync.onChange("filter_conversations", () => this.applyOptions(true));
    sync.onChange("highlight", () => this.applyHighlight());
    sync.onChange("groups", () => this.applyOptions(true));
    sync.onChange("align", () => this.applyOptions(false));
    sync.onChange("collapsed_groups", () => this.applyOptions(false));
    sync.onChange("height", () => this.resize());
    sync.onChange("theme", () => this.applyTheme());
    this.disposers.push(watchTheme(this.root, () => this.applyTheme()));
    const resizeObserver = new ResizeObserver(() => this.resize());
    resizeObserver.observe(this.root);
    this.disposers.push(() => resizeObserver.disconnect());
    this.watchPixelRatio();
    this.disposers.push(...this.interaction.listen());
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

  private updateControls(): void {
    const data = this.data;
    let anyCapped = false;
    if (data) for (let c = 0; c < data.nConversations && !anyCapped; c++) anyCapped = data.atSpanCap[c] === 1;
    // feedback on a turn whose spans are not in the data is drawn after its row, behind "?"
    let anyUnplaced = false;
    if (data) for (let m = 0; m < data.feedbackTurn.length && !anyUnplaced; m++) anyUnplaced = data.feedbackLevel[m] !== FEEDBACK_LEVEL.conversation && data.feedbackTurn[m] < 0;
    this.controls.update(this.sync.options(), data?.palette ?? null, anyCapped, anyUnplaced);
    // Counts are over the conversations that pass the filters, cohort headers and folds aside.
    const shown = this.conversationRows.length;
    const options = this.sync.options();
    const statusMask = data ? maskOf(data.palette.statuses, options.filter_status) : 0;
    const categoryMask = data ? maskOf(data.palette.categories, options.filter_category) : 0;
    const spans = data ? matchingSpans(data, this.conversationRows, statusMask, categoryMask) : 0;
    const filtered = Boolean(statusMask || categoryMask);
    let fullWidth = 0;
    if (data) for (const c of this.conversationRows) fullWidth = Math.max(fullWidth, data.wallTime[c]);
    const keyed = { ...options, align: this.sync.get("align") };
    this.controls.describe({
      summary: summaryText(data, shown, spans, filtered),
      key: keyText(keyed, fullWidth),
      keyShort: keyShortText(keyed, fullWidth),
    });
    this.scroll.setAttribute(
      "aria-label",
      `Conversation minimap, ${shown} conversations. Arrow keys move between spans and rows, Enter selects, Escape clears.`,
    );
  }

  /** Draw ``bytes`` (a payload message), else the embedded payload; with neither, ask Python. */
  private async loadData(sent?: Uint8Array): Promise<void> {
    const version = ++this.loadVersion;
    performance.mark("weave-minimap:data-set");
    const bytes = sent ?? this.sync.payload();
    if (!bytes) {
      this.awaitData();
      return;
    }
    let data: MinimapData;
    try {
      data = await decodePayload(bytes);
    } catch (error) {
      this.showError(error);
      return;
    }
    if (version !== this.loadVersion) return;
    this.hideSnapshot();
    this.data = data;
    this.searchMatches = this.matchesOf(this.searchIds);
    this.cache.clear();
    this.focus = null;
    this.firstPaintPending = true;
    this.root.dataset.ready = "0";
    this.recomputeRows();
    this.applySelected(false);
    this.picks.setIds(data, this.sync.get("selected_conversations"));
    this.lit = litSpans(data, this.sync.get("highlight"));
    this.resize();
  }

  /** Ask Python for the data; say so where nothing answers (a saved notebook without its kernel). */
  private awaitData(): void {
    let asked = false;
    try {
      asked = this.sync.send({ kind: "request_payload" });
    } catch {
      asked = false; // no live comm: a notebook re-opened from saved widget state
    }
    if (this.data) return;
    const noData = (): void => {
      if (this.data) return;
      this.controls.tell("The data is not saved with this notebook: run the cell (or pass embed=True) to draw the minimap.");
      this.showSnapshot();
      this.root.dataset.ready = "no-data";
    };
    if (!asked) return noData();
    this.controls.tell("Loading conversations…");
    const timer = setTimeout(noData, NO_DATA_AFTER_MS);
    this.disposers.push(() => clearTimeout(timer));
  }

  /** Show Python's PNG of the first rows in place of the canvas (no data to draw it from). */
  private showSnapshot(): void {
    const png = this.sync.snapshot();
    if (!png || this.snapshotImage) return;
    const url = URL.createObjectURL(new Blob([png.slice()], { type: "image/png" }));
    const image = el(this.doc, "img", "wwm-snapshot");
    image.src = url;
    image.alt = "A picture of the first conversations, saved with the notebook";
    this.snapshotImage = image;
    this.scroll.hidden = true;
    this.scroll.before(image);
    this.disposers.push(() => URL.revokeObjectURL(url));
  }

  private hideSnapshot(): void {
    this.snapshotImage?.remove();
    this.snapshotImage = null;
    this.scroll.hidden = false;
  }

  private showError(error: unknown): void {
    const box = el(this.doc, "div", "wwm-error", `Could not draw the minimap: ${error instanceof Error ? error.message : String(error)}`);
    this.scroll.replaceChildren(box);
    this.root.dataset.ready = "error";
  }

  private recomputeRows(): void {
    const options = this.sync.options();
    this.rows = this.data
      ? visibleRows(this.data, {
          sortBy: options.sort_by,
          descending: options.sort_descending,
          filterStatus: options.filter_status,
          filterCategory: options.filter_category,
          filterHasFeedback: options.filter_has_feedback,
        })
      : new Uint32Array(0);
    const matches = this.searchMatches;
    if (matches) this.rows = this.rows.filter((c) => matches.has(c));
    if (this.data) this.rows = keepConversations(this.data, this.rows, this.sync.get("filter_conversations"));
    this.conversationRows = this.rows;
    this.axis = { mode: options.width_mode, scale: options.scale, shared: options.time_axis === "shared", axisMax: 0 };
    if (this.data) for (const c of this.rows) this.axis.axisMax = Math.max(this.axis.axisMax, rowWeight(this.data, c, options.width_mode, options.scale));
    this.summaries = [];
    if (this.data) {
      const groups = this.sync.get("groups");
      if (hasGroups(this.data, groups)) {
        const grouped = groupRows(this.data, this.rows, groups, this.sync.get("collapsed_groups"));
        this.rows = grouped.rows;
        this.summaries = grouped.summaries;
      }
    }
    this.updateControls();
  }

  /** Keep only conversations whose messages matched the search box (null: all). */
  private applySearch(ids: string[] | null): void {
    this.searchIds = ids;
    this.searchMatches = this.matchesOf(ids);
    this.applyOptions(true);
  }

  private matchesOf(ids: string[] | null): Set<number> | null {
    if (!ids) return null;
    return new Set(ids.map((id) => conversationIndex(this.data, id)).filter((c) => c >= 0));
  }

  /** Open the selected span's turn in the transcript panel (or close it). */
  private showTranscript(): void {
    const data = this.data;
    const value = this.sync.get("selected");
    const ref = this.selected;
    if (!data || !ref || !value.conversation_id || !value.span_id) {
      this.panel.show(null);
      return;
    }
    const s = data.spanOffsets[ref.conversation] + ref.span;
    const trace = data.traces.get(data.spanTrace[s]);
    this.panel.show({
      conversation_id: value.conversation_id,
      trace_id: trace,
      span_id: value.span_id,
      label: `Turn ${data.spanTurn[s] + 1} of ${data.nTurns[ref.conversation]}`,
    });
  }

  /** Options changed: the focus and any tooltip describe rows that may have moved, so they go;
   * a new order or filter starts at the top (the old offset would show unrelated rows). */
  private applyOptions(reordered: boolean): void {
    this.cache.clear();
    this.focus = null;
    this.tooltip.hidden = true;
    this.recomputeRows();
    if (reordered) this.scroll.scrollTop = 0;
    this.resize();
  }

  private applyTheme(): void {
    const name = detectTheme(this.root, this.sync.get("theme"));
    this.theme = THEMES[name];
    this.root.dataset.theme = name;
    this.root.style.colorScheme = name; // native controls (checkbox, selects) follow too
    for (const [key, value] of Object.entries(themeVariables(this.theme))) this.root.style.setProperty(key, value);
    this.schedule();
  }

  private applySelected(reveal: boolean): void {
    this.selected = this.sync.selection(this.data);
    this.showTranscript();
    if (reveal && this.selected) {
      const row = this.rows.indexOf(this.selected.conversation);
      if (row >= 0) {
        this.focus = { row, span: this.selected.span };
        this.reveal(row);
      }
    }
    this.schedule();
  }

  private applyPicks(): void {
    this.picks.setIds(this.data, this.sync.get("selected_conversations"));
    this.root.dataset.picked = String(this.picks.size);
    this.schedule();
  }

  private applyHighlight(): void {
    this.lit = this.data ? litSpans(this.data, this.sync.get("highlight")) : null;
    let n = 0;
    if (this.lit) for (let s = 0; s < this.lit.length; s++) n += this.lit[s];
    this.root.dataset.lit = String(n);
    this.schedule();
  }

  // ---- view -> model -------------------------------------------------------------------------

  /** A press on the label of visible row ``row`` (click, shift-click, ctrl/cmd-click): starts a drag. */
  pressLabel(row: number, mode: PickMode): void {
    const data = this.data;
    if (data && isHeader(data, this.rows[row])) {
      const g = this.rows[row] - data.nConversations;
      if (mode === "replace") this.toggleGroup(g);
      else this.pickGroup(g);
      return;
    }
    this.picks.press(this.rows, row, mode);
    this.schedule();
  }

  /** Fold or unfold group ``g`` (a click on its header). */
  toggleGroup(g: number): void {
    const label = this.summaries[g]?.label;
    if (label === undefined) return;
    const collapsed = this.sync.get("collapsed_groups");
    const next = collapsed.includes(label) ? collapsed.filter((l) => l !== label) : [...collapsed, label];
    this.sync.set("collapsed_groups", next);
  }

  /** Add every conversation of group ``g`` that passes the filters to the picked rows (shift- or ctrl-click on its header). */
  pickGroup(g: number): void {
    const data = this.data;
    if (!data) return;
    const codes = this.sync.get("groups").codes ?? [];
    const rows = visibleRows(data, {
      sortBy: "input",
      descending: false,
      filterStatus: this.sync.get("filter_status"),
      filterCategory: this.sync.get("filter_category"),
      filterHasFeedback: this.sync.get("filter_has_feedback"),
    });
    const kept = keepConversations(data, rows, this.sync.get("filter_conversations"));
    for (const c of kept) if (codes[c] === g) this.picks.picked[c] = 1;
    const ids = this.picks.ids(data, this.rows);
    this.root.dataset.picked = String(ids.length);
    this.sync.set("selected_conversations", ids);
    this.schedule();
  }

  /** The summary of the group whose header is visible row ``row``, or null. */
  groupAt(row: number): GroupSummary | null {
    const data = this.data;
    const c = this.rows[row];
    return data && c !== undefined && isHeader(data, c) ? (this.summaries[c - data.nConversations] ?? null) : null;
  }

  /** The pressed pointer moved over visible row ``row``. */
  dragLabel(row: number): void {
    if (this.picks.extend(this.rows, row)) this.schedule();
  }

  /** The pointer was released: write the picked conversations back to the model. */
  releaseLabel(): void {
    if (!this.picks.release() || !this.data) return;
    const ids = this.picks.ids(this.data, this.rows);
    this.root.dataset.picked = String(ids.length);
    this.live.textContent = `${ids.length} conversation${ids.length === 1 ? "" : "s"} selected`;
    this.sync.set("selected_conversations", ids);
  }

  select(row: number, span: number): void {
    const data = this.data;
    if (!data) return;
    this.selected = { conversation: this.rows[row], span };
    this.sync.select(data, this.selected);
    this.schedule();
  }

  clearSelection(): void {
    this.selected = null;
    this.sync.clearSelection();
    this.schedule();
  }

  /** The canvas with the legend and the width key drawn above it, as the PNG button saves it. */
  exportImage(): HTMLCanvasElement {
    const data = this.data;
    const dpr = this.dpr;
    const out = this.doc.createElement("canvas");
    const header = 44;
    out.width = this.canvas.width;
    out.height = this.canvas.height + Math.round(header * dpr);
    const ctx = out.getContext("2d");
    if (!ctx) return this.canvas;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, this.width, header);
    ctx.font = `11px ${this.theme.font}`;
    ctx.textBaseline = "middle";
    let x = 12;
    if (data) {
      data.palette.categories.forEach((name, i) => {
        ctx.fillStyle = data.palette.categoryColors[i];
        ctx.fillRect(x, 7, 12, 10);
        ctx.fillStyle = this.theme.foreground;
        ctx.fillText(name, x + 16, 12);
        x += 16 + ctx.measureText(name).width + 12;
      });
      const error = data.palette.statuses.indexOf("ERROR");
      ctx.fillStyle = data.palette.statusColors[error];
      ctx.fillRect(x, 7, 12, 10);
      ctx.strokeStyle = this.theme.errorOutline;
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 1, 8, 10, 8);
      ctx.fillStyle = this.theme.foreground;
      ctx.fillText("ERROR", x + 16, 12);
    }
    ctx.fillStyle = this.theme.muted;
    ctx.fillText(this.controls.keyText(), 12, 32, this.width - 24);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.canvas, 0, Math.round(header * dpr));
    return out;
  }

  // ---- geometry and painting -----------------------------------------------------------------

  /** The layout of visible row ``row`` (cached per conversation until options or width change). */
  geometry(row: number): RowGeometry {
    const data = this.data as MinimapData;
    const c = this.rows[row];
    if (isHeader(data, c)) return EMPTY_GEOMETRY;
    let g = this.cache.get(c);
    if (!g) {
      if (this.cache.size > CACHE_LIMIT) this.cache.clear();
      const spans =
        this.sync.get("align") === "turn"
          ? layoutAligned(data, c, this.cols, this.axis.mode, this.axis.scale, turnColumns(data))
          : layoutRow(data, c, this.cols, this.axis);
      g = { spans, markers: layoutMarkers(data, c, spans, this.cols) };
      this.cache.set(c, g);
    }
    return g;
  }

  /** The label texts of visible row ``row`` as ``draw`` cuts them (for the automation hooks). */
  labelOf(row: number): { id: string; detail: string } {
    const ctx = this.canvas.getContext("2d");
    if (!this.data || !ctx) return { id: "", detail: "" };
    const { id, detail } = labelTexts(ctx, this.data, this.rows[row], labelRoom(this.cols), this.theme.font);
    return { id, detail: detail.map((piece) => piece.text).join("") };
  }

  /** Scroll so that visible row ``row`` is fully shown. */
  reveal(row: number): void {
    const top = row * ROW.height;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + ROW.height > this.scroll.scrollTop + this.viewHeight) this.scroll.scrollTop = top + ROW.height - this.viewHeight;
  }

  private resize(): void {
    // The chrome follows the widget's own width (a side panel, a narrow output), not the window's.
    const layout = this.controls.fit(this.root.clientWidth);
    this.root.dataset.layout = layout;
    this.root.classList.toggle("wwm-compact", layout !== "wide");
    const width = Math.max(320, Math.floor(this.scroll.clientWidth || this.root.clientWidth || 800));
    const content = this.rows.length * ROW.height;
    const maxHeight = Math.max(MIN_HEIGHT, Number(this.sync.get("height")));
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

  /** Paint on the next animation frame (once, however often it is asked). */
  schedule(): void {
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
    const options = this.sync.options();
    draw(ctx, {
      data,
      rows: this.rows,
      theme: this.theme,
      cols: this.cols,
      width: this.width,
      height: this.viewHeight,
      scrollTop: this.scroll.scrollTop,
      dpr: this.dpr,
      colorBy: options.color_by,
      statusMask: maskOf(data.palette.statuses, options.filter_status),
      categoryMask: maskOf(data.palette.categories, options.filter_category),
      hoverRow: this.hoverRow,
      focus: this.focus,
      selected: this.selected,
      picked: this.picks.picked,
      lit: this.lit,
      group: (row) => this.groupAt(row),
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
}
