// The transcript panel and the search box: a selected turn's messages and a message-content filter, fetched
// through the kernel by custom messages (dicts with `kind`, answered through sync.ts's dispatcher), cached per turn. All server text is inserted as text.
import type { TranscriptField } from "./contract";
import { el } from "./dom";

/** One message of a turn, as the kernel sends it (the columns of weave_widgets.data.MESSAGE_COLUMNS). */
export type TranscriptRecord = Partial<Record<TranscriptField, string | number | null>>;

/** Transcripts inlined into an exported page: by trace id, and how many turns the size cap left out. */
export interface Prefetched {
  turns: Record<string, TranscriptRecord[]>;
  omitted: number;
}

/** What the panel and the search box need of the kernel: a way to send it a custom message
 * (answers come back through the view's one dispatcher). null in an exported page (no kernel). */
export interface Channel {
  send(message: Record<string, unknown>): void;
}

/** Transcripts inlined in an exported page's state, or null. */
export function prefetchedOf(model: unknown): Prefetched | null {
  const value = (model as { get(name: string): unknown }).get("prefetched_transcripts") as Prefetched | undefined | null;
  return value && typeof value === "object" && value.turns ? value : null;
}

/** Characters of a message shown before "Show all". */
export const TEXT_PREVIEW_CHARS = 600;

/** ``text`` cut to ``limit`` characters (not splitting a surrogate pair), and whether it was cut. */
export function shorten(text: string, limit = TEXT_PREVIEW_CHARS): { shown: string; cut: boolean } {
  if (text.length <= limit) return { shown: text, cut: false };
  let end = limit;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { shown: `${text.slice(0, end)}…`, cut: true };
}

/** JSON text indented for reading; other text as it is. */
export function pretty(text: string): string {
  const t = text.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return text;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return text;
  }
}

const str = (v: string | number | null | undefined): string => (v === null || v === undefined ? "" : String(v));

/** "1.2 s", "340 ms". */
function duration(ms: string | number | null | undefined): string {
  if (ms === null || ms === undefined || ms === "") return "";
  const n = Number(ms);
  return n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n} ms`;
}

const ROLE_LABEL: Record<string, string> = { user: "User", assistant: "Assistant", tool: "Tool", system: "Agent" };

/** A block of text shortened with a button that shows all of it. */
function textBlock(doc: Document, cls: string, text: string): HTMLElement {
  const box = el(doc, "div", "wwm-tr-textbox");
  const body = el(doc, cls === "code" ? "pre" : "div", cls === "code" ? "wwm-tr-code" : "wwm-tr-text");
  const { shown, cut } = shorten(text);
  body.textContent = shown;
  box.append(body);
  if (cut) {
    const more = el(doc, "button", "wwm-button wwm-tr-more", `Show all (${text.length.toLocaleString("en-US")} characters)`);
    more.type = "button";
    more.addEventListener("click", () => {
      const full = body.textContent !== text;
      body.textContent = full ? text : shown;
      more.textContent = full ? "Show less" : `Show all (${text.length.toLocaleString("en-US")} characters)`;
    });
    box.append(more);
  }
  return box;
}

function errorLine(doc: Document, r: TranscriptRecord): HTMLElement | null {
  if (r.status !== "ERROR") return null;
  const kind = str(r.error_type);
  const message = str(r.error_message);
  const text = kind && message ? `${kind}: ${message}` : kind || message || "failed";
  const line = el(doc, "div", "wwm-tr-error", text);
  line.setAttribute("role", "note");
  return line;
}

/** The element of one message; ``selectedSpan`` marks (and opens) the message of the selected span. */
export function messageElement(doc: Document, r: TranscriptRecord, selectedSpan: string | null): HTMLElement {
  const role = str(r.role) || "assistant";
  const kind = str(r.kind);
  const failed = r.status === "ERROR";
  const selected = selectedSpan !== null && r.span_id === selectedSpan && kind !== "user_message";
  const item = el(doc, "article", `wwm-tr-msg wwm-tr-${role}${failed ? " wwm-tr-failed" : ""}${selected ? " wwm-tr-selected" : ""}`);
  item.dataset.kind = kind;
  item.dataset.span = str(r.span_id);
  const meta = [
    str(r.agent_name),
    str(r.model),
    r.tokens !== null && r.tokens !== undefined ? `${r.tokens} tokens` : "",
    duration(r.duration_ms),
    failed ? "ERROR" : "",
  ].filter(Boolean);
  const head = el(doc, "div", "wwm-tr-head");
  const label = kind === "tool_call" ? `Tool · ${str(r.tool_name) || "?"}` : kind === "agent_start" ? "Agent start" : ROLE_LABEL[role] ?? role;
  head.append(el(doc, "span", "wwm-tr-role", label), el(doc, "span", "wwm-tr-meta", meta.join(" · ")));
  if (kind === "tool_call") {
    const fold = el(doc, "details", "wwm-tr-fold");
    fold.open = failed || selected;
    const summary = el(doc, "summary", "wwm-tr-summary");
    summary.append(head);
    fold.append(summary);
    fold.append(el(doc, "div", "wwm-tr-label", "Arguments"), textBlock(doc, "code", pretty(str(r.tool_arguments)) || "(none)"));
    fold.append(el(doc, "div", "wwm-tr-label", "Result"), textBlock(doc, "code", pretty(str(r.tool_result)) || "(none)"));
    item.append(fold);
  } else if (kind === "agent_start") {
    item.append(head);
    const instructions = str(r.text);
    if (instructions) {
      const fold = el(doc, "details", "wwm-tr-fold");
      fold.append(el(doc, "summary", "wwm-tr-summary wwm-tr-label", "System instructions"), textBlock(doc, "text", instructions));
      item.append(fold);
    }
  } else {
    item.append(head);
    const text = str(r.text);
    if (text) item.append(textBlock(doc, "text", text));
    else if (kind === "assistant_message") item.append(el(doc, "div", "wwm-tr-muted", failed ? "(no answer)" : "(no text: asked for tools)"));
  }
  const error = errorLine(doc, r);
  if (error) item.append(error);
  return item;
}

/** The turn the panel shows. */
export interface TurnRef {
  conversation_id: string;
  trace_id: string;
  span_id: string;
  /** "Turn 3 of 7", shown in the header. */
  label: string;
}

export type PanelState = "hidden" | "loading" | "ready" | "error" | "needs-kernel" | "omitted";

/** The transcript panel: shows the selected turn's messages, fetched once per turn through ``channel``. */
export class TranscriptPanel {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private readonly cache = new Map<string, TranscriptRecord[]>();
  private readonly inFlight = new Set<string>();
  private current: TurnRef | null = null;
  private requests = 0;

  constructor(
    private readonly doc: Document,
    private readonly channel: Channel | null,
    private readonly prefetched: Prefetched | null,
    onClose: () => void,
  ) {
    this.root = el(doc, "section", "wwm-transcript");
    this.root.setAttribute("aria-label", "Turn transcript");
    this.root.hidden = true;
    const bar = el(doc, "div", "wwm-tr-bar");
    this.title = el(doc, "span", "wwm-tr-title");
    const close = el(doc, "button", "wwm-button wwm-tr-close", "Close");
    close.type = "button";
    close.setAttribute("aria-label", "Close the transcript");
    close.addEventListener("click", () => onClose());
    bar.append(this.title, close);
    this.body = el(doc, "div", "wwm-tr-body");
    this.body.setAttribute("aria-live", "polite");
    this.root.append(bar, this.body);
    for (const [trace, records] of Object.entries(prefetched?.turns ?? {})) this.cache.set(trace, records);
    this.setState("hidden");
  }

  get state(): PanelState {
    return this.root.dataset.state as PanelState;
  }

  private setState(state: PanelState): void {
    this.root.dataset.state = state;
  }

  /** Show ``ref``'s turn (null hides the panel). */
  show(ref: TurnRef | null): void {
    this.current = ref;
    if (!ref) {
      this.root.hidden = true;
      this.setState("hidden");
      return;
    }
    this.root.hidden = false;
    this.title.textContent = `${ref.label} · trace ${ref.trace_id}`;
    const cached = this.cache.get(ref.trace_id);
    if (cached) {
      this.render(cached);
      return;
    }
    if (!this.channel) {
      const omitted = this.prefetched !== null && this.prefetched.omitted > 0;
      this.message(
        omitted ? "omitted" : "needs-kernel",
        omitted
          ? "This turn's messages were left out of this page (its transcript size cap). Open the notebook with a live kernel to read them."
          : "Reading the messages of a turn needs a live kernel: run the notebook, or export the page with to_html(..., transcripts=True).",
      );
      return;
    }
    this.message("loading", "Loading the turn's messages…");
    if (this.inFlight.has(ref.trace_id)) return;
    this.inFlight.add(ref.trace_id);
    this.channel.send({ kind: "transcript", request: ++this.requests, conversation_id: ref.conversation_id, trace_id: ref.trace_id });
  }

  /** An answer from the kernel: cache it, and show it when it is the current turn's. */
  receive(m: Record<string, unknown>): void {
    const trace = typeof m.trace_id === "string" ? m.trace_id : null;
    if (typeof m.error === "string") {
      if (trace) this.inFlight.delete(trace);
      else this.inFlight.clear();
      if (this.current) this.message("error", `Could not load the turn's messages: ${m.error}`);
      return;
    }
    if (!trace || !Array.isArray(m.messages)) return;
    this.inFlight.delete(trace);
    this.cache.set(trace, m.messages as TranscriptRecord[]);
    if (this.current?.trace_id === trace) this.render(m.messages as TranscriptRecord[]);
  }

  private message(state: PanelState, text: string): void {
    this.setState(state);
    this.body.replaceChildren(el(this.doc, "div", state === "error" ? "wwm-tr-error" : "wwm-tr-muted", text));
  }

  private render(records: TranscriptRecord[]): void {
    const selected = this.current?.span_id ?? null;
    const items = records.map((r) => messageElement(this.doc, r, selected));
    this.body.replaceChildren(...(items.length ? items : [el(this.doc, "div", "wwm-tr-muted", "This turn has no messages.")]));
    this.setState("ready");
    const mark = this.body.querySelector(".wwm-tr-selected");
    if (mark && typeof (mark as HTMLElement).scrollIntoView === "function") (mark as HTMLElement).scrollIntoView({ block: "nearest" });
  }
}

/** The search box: filters conversations by message content through the kernel (``/agents/search``). */
export class SearchBox {
  readonly root: HTMLElement;
  readonly input: HTMLInputElement;
  private readonly status: HTMLElement;
  private requests = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    doc: Document,
    private readonly channel: Channel | null,
    private readonly onResult: (conversationIds: string[] | null) => void,
    readonly delayMs = 250,
  ) {
    this.root = el(doc, "div", "wwm-search");
    this.input = el(doc, "input", "wwm-search-input");
    this.input.type = "search";
    this.input.setAttribute("aria-label", "Search messages");
    this.status = el(doc, "span", "wwm-search-status");
    this.status.setAttribute("aria-live", "polite");
    if (!channel) {
      this.input.disabled = true;
      this.input.placeholder = "Search (no kernel)";
      this.input.title = "Searching messages needs a live kernel: run the cell";
    } else {
      this.input.placeholder = "Search messages…";
      this.input.addEventListener("input", () => this.later());
      this.input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") this.now();
        if (e.key === "Escape") {
          this.input.value = "";
          this.now();
        }
        e.stopPropagation();
      });
    }
    this.root.append(this.input, this.status);
  }

  private later(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.now(), this.delayMs);
  }

  /** Search for what the box holds now (an empty box clears the filter). */
  now(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const query = this.input.value.trim();
    const request = ++this.requests;
    if (!query) {
      this.status.textContent = "";
      this.root.dataset.state = "idle";
      this.onResult(null);
      return;
    }
    this.root.dataset.state = "searching";
    this.status.textContent = "Searching…";
    this.channel?.send({ kind: "search", request, query });
  }

  /** The kernel's answer; only the latest request's counts. */
  receive(m: Record<string, unknown>): void {
    if (m.request !== this.requests) return;
    if (typeof m.error === "string") {
      this.root.dataset.state = "error";
      this.status.textContent = `Search failed: ${m.error}`;
      return;
    }
    const ids = Array.isArray(m.conversation_ids) ? (m.conversation_ids as string[]) : null;
    this.root.dataset.state = "done";
    this.status.textContent = ids === null ? "" : `${ids.length} conversation${ids.length === 1 ? "" : "s"} match`;
    this.onResult(ids);
  }
}
