// Binary payload -> typed arrays and string tables.
// Mirrors the format documented at the top of weave_widgets/minimap/_payload.py.
import { MAX_CATEGORIES, PAYLOAD_MAGIC, PAYLOAD_VERSION, STATUSES, type Status } from "./contract";

export type UintArray = Uint8Array | Uint16Array | Uint32Array;

/** A table of strings decoded lazily (one TextDecoder call per string, on first use). */
export interface StringTable {
  readonly length: number;
  get(i: number): string;
}

/** Names and colours by code, as the payload carries them: the contract's statuses; the data's
 * categories (the built-in ones, or the user's own from `ConversationData.with_categories`). */
export interface Palette {
  categories: readonly string[];
  categoryColors: string[];
  statuses: readonly Status[];
  statusColors: string[];
}

export interface MinimapData {
  projectId: string;
  nConversations: number;
  nSpans: number;
  nFeedback: number;
  nRatings: number;
  palette: Palette;
  feedbackTypes: string[];
  conversationIds: StringTable;
  spanOffsets: Uint32Array;
  feedbackOffsets: Uint32Array;
  nTurns: Uint32Array;
  nErrors: Uint32Array;
  totalDuration: Float64Array;
  /** Wall time per conversation: each turn's root span when it frames the turn, else its spans end to end. */
  wallTime: Float64Array;
  meanRating: Float64Array;
  atSpanCap: Uint8Array;
  spanTurn: UintArray;
  spanCategory: Uint8Array;
  spanStatus: Uint8Array;
  spanDuration: Uint32Array | Float64Array;
  /** 1 where the span is its turn's root and frames it (drawn as a band under its children, taking no width). */
  spanFrames: Uint8Array;
  spanOperation: UintArray;
  operations: StringTable;
  spanTrace: UintArray;
  traces: StringTable;
  spanId: StringTable;
  feedbackLevel: Uint8Array;
  feedbackTurn: Int32Array;
  feedbackType: Uint8Array;
  feedbackTrace: UintArray;
  feedbackTraceNone: number;
  feedbackTagOffsets: Uint32Array;
  tagCodes: UintArray;
  tags: StringTable;
  /** Ratings of marker m are ratingOrder[ratingStart[m] .. ratingStart[m + 1]). */
  ratingStart: Uint32Array;
  ratingOrder: Uint32Array;
  ratingName: UintArray;
  ratingNames: StringTable;
  ratingValue: Float64Array;
  ratingConfidence: Float64Array;
  ratingReason: UintArray;
  ratingReasonNone: number;
  reasons: StringTable;
  /** Per conversation: bit s set when it has a span of status s (resp. category c). */
  statusMask: Uint8Array;
  categoryMask: Uint32Array;
}

interface ColumnInfo {
  dtype: "u8" | "u16" | "u32" | "i32" | "f64" | "str" | "uuid";
  offset: number;
  length: number;
  bytes?: number;
}

interface Meta {
  version: number;
  project_id: string;
  n_conversations: number;
  n_spans: number;
  n_feedback: number;
  n_ratings: number;
  palette: { categories: string[]; category_colors: string[]; statuses: string[]; status_colors: string[] };
  feedback_types: string[];
  columns: Record<string, ColumnInfo>;
}

const NONE: Record<string, number> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff };

/** Inflate a zlib (RFC 1950) stream with the platform's DecompressionStream. */
export async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Accept what anywidget hands over for a Bytes trait (DataView) or raw bytes. */
export function asBytes(value: DataView | ArrayBuffer | Uint8Array): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** Split a payload into its metadata and an 8-byte-aligned data section. */
export async function parsePayload(raw: Uint8Array): Promise<{ meta: Meta; data: Uint8Array }> {
  if (raw.length < 8 || String.fromCharCode(raw[0], raw[1], raw[2], raw[3]) !== PAYLOAD_MAGIC) {
    throw new Error("minimap payload: bad magic (expected a weave-widgets payload)");
  }
  if (raw[4] !== PAYLOAD_VERSION) throw new Error(`minimap payload: version ${raw[4]} is not supported`);
  const body = raw[5] === 1 ? await inflate(raw.subarray(8)) : raw.slice(8);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const metaLength = view.getUint32(0, true);
  const meta = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + metaLength))) as Meta;
  let start = 4 + metaLength;
  start += (8 - (start % 8)) % 8;
  // Typed arrays need aligned offsets: re-base when the section is not 8-byte aligned.
  const data = (body.byteOffset + start) % 8 === 0 ? body.subarray(start) : body.slice(start);
  return { meta, data };
}

function strings(data: Uint8Array, info: ColumnInfo): StringTable {
  const cache: (string | undefined)[] = new Array(info.length);
  const base = data.byteOffset + info.offset;
  if (info.dtype === "uuid") {
    return {
      length: info.length,
      get(i: number): string {
        let s = cache[i];
        if (s === undefined) {
          let hex = "";
          for (let k = 0; k < 16; k++) hex += data[info.offset + i * 16 + k].toString(16).padStart(2, "0");
          s = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
          cache[i] = s;
        }
        return s;
      },
    };
  }
  const offsets = new Uint32Array(data.buffer, base, info.length + 1);
  const text = data.subarray(info.offset + 4 * (info.length + 1));
  const decoder = new TextDecoder();
  return {
    length: info.length,
    get(i: number): string {
      let s = cache[i];
      if (s === undefined) {
        s = decoder.decode(text.subarray(offsets[i], offsets[i + 1]));
        cache[i] = s;
      }
      return s;
    },
  };
}

function typed(data: Uint8Array, info: ColumnInfo): Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array {
  const at = data.byteOffset + info.offset;
  switch (info.dtype) {
    case "u8":
      return new Uint8Array(data.buffer, at, info.length);
    case "u16":
      return new Uint16Array(data.buffer, at, info.length);
    case "u32":
      return new Uint32Array(data.buffer, at, info.length);
    case "i32":
      return new Int32Array(data.buffer, at, info.length);
    case "f64":
      return new Float64Array(data.buffer, at, info.length);
    default:
      throw new Error(`minimap payload: column of dtype ${info.dtype} is not numeric`);
  }
}

/** Counting sort of ratings by marker: O(n_ratings + n_feedback). */
function groupRatings(ratingFeedback: Uint32Array, nFeedback: number): { start: Uint32Array; order: Uint32Array } {
  const start = new Uint32Array(nFeedback + 1);
  for (let r = 0; r < ratingFeedback.length; r++) start[ratingFeedback[r] + 1]++;
  for (let m = 0; m < nFeedback; m++) start[m + 1] += start[m];
  const fill = start.slice(0, nFeedback);
  const order = new Uint32Array(ratingFeedback.length);
  for (let r = 0; r < ratingFeedback.length; r++) order[fill[ratingFeedback[r]]++] = r;
  return { start, order };
}

function masks<T extends Uint8Array | Uint32Array>(offsets: Uint32Array, codes: Uint8Array, out: T): T {
  for (let c = 0; c < out.length; c++) {
    let m = 0;
    for (let s = offsets[c]; s < offsets[c + 1]; s++) m |= 1 << codes[s];
    out[c] = m >>> 0;
  }
  return out;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/** The payload's palette: statuses refused unless their codes are the contract's; categories are
 * the data's own, 1 to MAX_CATEGORIES names, each with a colour. */
function checkedPalette(palette: Meta["palette"]): Palette {
  if (!sameNames(palette.statuses, STATUSES)) {
    throw new Error(
      `minimap payload: its status codes [${palette.statuses.join(", ")}] differ from this widget's [${STATUSES.join(", ")}]; ` +
        "rebuild the widget bundle from the same weave-widgets version",
    );
  }
  const names = palette.categories;
  if (
    names.length < 1 ||
    names.length > MAX_CATEGORIES ||
    palette.category_colors.length !== names.length ||
    new Set(names).size !== names.length
  ) {
    throw new Error(
      `minimap payload: ${names.length} categories with ${palette.category_colors.length} colours; ` +
        `expected 1 to ${MAX_CATEGORIES} distinct names, one colour each`,
    );
  }
  return {
    categories: names,
    categoryColors: palette.category_colors,
    statuses: STATUSES,
    statusColors: palette.status_colors,
  };
}

/** Decode a payload into typed arrays and lazy string tables (O(n) in the number of spans). */
export async function decodePayload(raw: Uint8Array): Promise<MinimapData> {
  const { meta, data } = await parsePayload(raw);
  const palette = checkedPalette(meta.palette);
  const info = (name: string): ColumnInfo => {
    const c = meta.columns[name];
    if (!c) throw new Error(`minimap payload: missing column ${name}`);
    return c;
  };
  const num = <T>(name: string): T => typed(data, info(name)) as T;
  const str = (name: string): StringTable => strings(data, info(name));
  const spanOffsets = num<Uint32Array>("span_offsets");
  const spanStatus = num<Uint8Array>("span_status");
  const spanCategory = num<Uint8Array>("span_category");
  for (let s = 0; s < spanCategory.length; s++) {
    if (spanCategory[s] >= palette.categories.length) {
      throw new Error(`minimap payload: span ${s} has category code ${spanCategory[s]} of ${palette.categories.length}`);
    }
  }
  const n = meta.n_conversations;
  const ratings = groupRatings(num<Uint32Array>("rating_feedback"), meta.n_feedback);
  return {
    projectId: meta.project_id,
    nConversations: n,
    nSpans: meta.n_spans,
    nFeedback: meta.n_feedback,
    nRatings: meta.n_ratings,
    palette,
    feedbackTypes: meta.feedback_types,
    conversationIds: str("conversation_id"),
    spanOffsets,
    feedbackOffsets: num("feedback_offsets"),
    nTurns: num("n_turns"),
    nErrors: num("n_errors"),
    totalDuration: num("total_duration_ms"),
    wallTime: num("wall_time_ms"),
    meanRating: num("mean_rating"),
    atSpanCap: num("at_span_cap"),
    spanTurn: num("span_turn"),
    spanCategory,
    spanStatus,
    spanDuration: num("span_duration_ms"),
    spanFrames: num("span_frames"),
    spanOperation: num("span_operation"),
    operations: str("operations"),
    spanTrace: num("span_trace"),
    traces: str("traces"),
    spanId: str("span_id"),
    feedbackLevel: num("feedback_level"),
    feedbackTurn: num("feedback_turn"),
    feedbackType: num("feedback_type"),
    feedbackTrace: num("feedback_trace"),
    feedbackTraceNone: NONE[info("feedback_trace").dtype],
    feedbackTagOffsets: num("feedback_tag_offsets"),
    tagCodes: num("tag_codes"),
    tags: str("tags"),
    ratingStart: ratings.start,
    ratingOrder: ratings.order,
    ratingName: num("rating_name"),
    ratingNames: str("rating_names"),
    ratingValue: num("rating_value"),
    ratingConfidence: num("rating_confidence"),
    ratingReason: num("rating_reason"),
    ratingReasonNone: NONE[info("rating_reason").dtype],
    reasons: str("reasons"),
    statusMask: masks(spanOffsets, spanStatus, new Uint8Array(n)),
    categoryMask: masks(spanOffsets, spanCategory, new Uint32Array(n)),
  };
}
