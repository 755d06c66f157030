// Model sync: reads the synced traits (falling back to Python's defaults) and writes options and the selection back.
import type { AnyModel } from "@anywidget/types";
import { type Selected, TRAIT_DEFAULTS, type Traits } from "./contract";
import { asBytes, type MinimapData } from "./decode";

/** What the widget uses of anywidget's model; the exported HTML page's model shim implements
 * just this (without ``send``: its payload is in the state). */
export type Model = Pick<AnyModel<Traits>, "get" | "set" | "on" | "off" | "save_changes"> &
  Partial<Pick<AnyModel<Traits>, "send">>;

/** A custom message between the view and Python: a dict with a ``kind``. */
export interface Message {
  kind: string;
  [key: string]: unknown;
}

export type MessageHandler = (message: Message, buffers: DataView[]) => void;

/** Traits that change which rows show, their order or their layout (the toolbar and legend's). */
export const OPTION_TRAITS = [
  "sort_by",
  "sort_descending",
  "filter_status",
  "filter_category",
  "filter_has_feedback",
  "width_mode",
  "time_axis",
  "scale",
  "color_by",
] as const satisfies readonly (keyof Traits)[];

export type Options = Pick<Traits, (typeof OPTION_TRAITS)[number]>;

/** Every trait but the binary payload. */
type Settings = typeof TRAIT_DEFAULTS;

/** A span by position: conversation index in the data, span index within its row. */
export interface SpanRef {
  conversation: number;
  span: number;
}

const conversationIndexes = new WeakMap<MinimapData, Map<string, number>>();

/** The index of conversation ``id`` in ``data``, or -1 (the id -> index map is built once per data). */
export function conversationIndex(data: MinimapData | null, id: string): number {
  if (!data) return -1;
  let index = conversationIndexes.get(data);
  if (!index) {
    index = new Map();
    for (let c = 0; c < data.nConversations; c++) index.set(data.conversationIds.get(c), c);
    conversationIndexes.set(data, index);
  }
  return index.get(id) ?? -1;
}

/** The model as the view needs it: typed reads with defaults, writes that save, listeners that dispose. */
export class ModelSync {
  private readonly disposers: (() => void)[] = [];
  private readonly handlers = new Map<string, MessageHandler>();

  constructor(private readonly model: Model) {
    const listener = (message: unknown, buffers: DataView[]): void => this.dispatch(message, buffers ?? []);
    this.model.on("msg:custom", listener);
    this.disposers.push(() => this.model.off("msg:custom", listener));
  }

  /** The one dispatch of custom messages from Python: by ``kind`` to the handler registered for it. */
  dispatch(message: unknown, buffers: DataView[]): void {
    if (typeof message !== "object" || message === null) return;
    const kind = (message as { kind?: unknown }).kind;
    if (typeof kind !== "string") return;
    this.handlers.get(kind)?.(message as Message, buffers);
  }

  /** Handle custom messages of ``kind`` (one handler per kind). */
  onMessage(kind: string, handler: MessageHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Send a custom message to Python; false where there is no kernel to send to. */
  send(message: Message): boolean {
    if (!this.model.send) return false;
    this.model.send(message);
    return true;
  }

  /** A trait's value, or its Python default when the model has none. */
  get<K extends keyof Settings>(name: K): Settings[K] {
    const value: Settings[K] | null | undefined = this.model.get(name);
    return value === undefined || value === null ? TRAIT_DEFAULTS[name] : value;
  }

  /** The payload's bytes, or null while there is none. */
  payload(): Uint8Array | null {
    const raw = this.model.get("payload") as DataView | ArrayBuffer | Uint8Array | null | undefined;
    if (!raw) return null;
    const bytes = asBytes(raw);
    return bytes.byteLength ? bytes : null;
  }

  /** The static snapshot's PNG bytes (set by Python when displayed), or null. */
  snapshot(): Uint8Array | null {
    const raw = this.model.get("snapshot") as DataView | ArrayBuffer | Uint8Array | null | undefined;
    if (!raw) return null;
    const bytes = asBytes(raw);
    return bytes.byteLength ? bytes : null;
  }

  options(): Options {
    return Object.fromEntries(OPTION_TRAITS.map((name) => [name, this.get(name)])) as unknown as Options;
  }

  /** Write a trait and send it to the kernel. */
  set<K extends keyof Traits>(name: K, value: Traits[K]): void {
    this.model.set(name, value);
    this.model.save_changes();
  }

  /** Call ``callback`` when trait ``name`` changes (until ``dispose``). */
  onChange(name: keyof Traits, callback: () => void): void {
    const event = `change:${name}` as const;
    this.model.on(event, callback);
    this.disposers.push(() => this.model.off(event, callback));
  }

  /** The model's ``selected`` span located in ``data``, or null (none, or not in this data). */
  selection(data: MinimapData | null): SpanRef | null {
    const value = this.get("selected");
    if (!data || value.conversation_id === undefined || value.span_id === undefined) return null;
    const c = conversationIndex(data, value.conversation_id);
    if (c < 0) return null;
    for (let s = data.spanOffsets[c]; s < data.spanOffsets[c + 1]; s++) {
      if (data.spanId.get(s) === value.span_id) return { conversation: c, span: s - data.spanOffsets[c] };
    }
    return null;
  }

  /** Write span ``ref`` of ``data`` back as the ``selected`` trait. */
  select(data: MinimapData, ref: SpanRef): void {
    const s = data.spanOffsets[ref.conversation] + ref.span;
    const value: Selected = {
      conversation_id: data.conversationIds.get(ref.conversation),
      trace_id: data.traces.get(data.spanTrace[s]),
      span_id: data.spanId.get(s),
    };
    this.set("selected", value);
  }

  clearSelection(): void {
    this.set("selected", {});
  }

  dispose(): void {
    for (const dispose of this.disposers) dispose();
    this.disposers.length = 0;
    this.handlers.clear();
  }
}
