// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import {
  type Channel,
  messageElement,
  pretty,
  SearchBox,
  shorten,
  TEXT_PREVIEW_CHARS,
  TranscriptPanel,
  type TranscriptRecord,
} from "../src/transcript";

const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

const TURN: TranscriptRecord[] = [
  { kind: "user_message", role: "user", text: `Book Lisbon ${XSS}`, span_id: "root" },
  { kind: "agent_start", role: "system", text: "You are a travel agent.", agent_name: "planner", model: "gpt-4o", span_id: "root" },
  { kind: "assistant_message", role: "assistant", text: "", model: "gpt-4o", tokens: 120, duration_ms: 800, status: "UNSET", span_id: "llm1" },
  {
    kind: "tool_call",
    role: "tool",
    tool_name: "search_hotels",
    tool_arguments: '{"city":"Lisbon","nights":3}',
    tool_result: XSS,
    status: "ERROR",
    duration_ms: 1500,
    error_type: "httpx.HTTPStatusError",
    error_message: "429 Too Many Requests",
    span_id: "tool1",
  },
  { kind: "assistant_message", role: "assistant", text: "x".repeat(TEXT_PREVIEW_CHARS + 50), status: "UNSET", span_id: "llm2" },
];

function fakeChannel(): Channel & { sent: Record<string, unknown>[] } {
  const sent: Record<string, unknown>[] = [];
  return { sent, send: (m) => void sent.push(m) };
}

describe("transcript messages", () => {
  it("tells roles apart, folds tool calls with arguments and results, and shows the error", () => {
    const items = TURN.map((r) => messageElement(document, r, "tool1"));
    expect(items.map((i) => i.className.split(" ")[1])).toEqual(["wwm-tr-user", "wwm-tr-system", "wwm-tr-assistant", "wwm-tr-tool", "wwm-tr-assistant"]);
    const tool = items[3];
    const fold = tool.querySelector("details") as HTMLDetailsElement;
    expect(fold.open).toBe(true); // failed and selected
    expect(tool.classList.contains("wwm-tr-failed")).toBe(true);
    expect(tool.classList.contains("wwm-tr-selected")).toBe(true);
    expect(tool.textContent).toContain("search_hotels");
    expect(tool.textContent).toContain('"city": "Lisbon"');
    expect(tool.querySelector(".wwm-tr-error")?.textContent).toBe("httpx.HTTPStatusError: 429 Too Many Requests");
    expect(items[2].textContent).toContain("(no text: asked for tools)");
    const passing = messageElement(document, { ...TURN[3], status: "UNSET", span_id: "other" }, "tool1");
    expect((passing.querySelector("details") as HTMLDetailsElement).open).toBe(false);
    expect(passing.querySelector(".wwm-tr-error")).toBeNull();
  });

  it("inserts hostile text as text", () => {
    const host = document.createElement("div");
    host.append(...TURN.map((r) => messageElement(document, r, null)));
    expect(host.querySelector("img")).toBeNull();
    expect(host.querySelector("script")).toBeNull();
    expect(host.textContent).toContain(XSS);
  });

  it("shortens long text with a button that shows all of it and back", () => {
    const item = messageElement(document, TURN[4], null);
    const body = item.querySelector(".wwm-tr-text") as HTMLElement;
    expect(body.textContent?.length).toBe(TEXT_PREVIEW_CHARS + 1);
    const more = item.querySelector(".wwm-tr-more") as HTMLButtonElement;
    more.click();
    expect(body.textContent).toBe("x".repeat(TEXT_PREVIEW_CHARS + 50));
    expect(more.textContent).toBe("Show less");
    more.click();
    expect(body.textContent?.length).toBe(TEXT_PREVIEW_CHARS + 1);
  });

  it("never splits a surrogate pair and indents JSON only", () => {
    const text = `${"a".repeat(9)}😀tail`;
    expect(shorten(text, 10)).toEqual({ shown: `${"a".repeat(9)}…`, cut: true });
    expect(pretty('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(pretty("{not json")).toBe("{not json");
    expect(pretty("plain")).toBe("plain");
  });
});

describe("transcript panel", () => {
  const ref = { conversation_id: "c1", trace_id: "t1", span_id: "tool1", label: "Turn 1 of 2" };

  it("asks the kernel once per turn, caches the answer and drops stale ones", () => {
    const channel = fakeChannel();
    const panel = new TranscriptPanel(document, channel, null, () => {});
    panel.show(ref);
    expect(panel.state).toBe("loading");
    panel.show(ref);
    expect(channel.sent).toEqual([{ kind: "transcript", request: 1, conversation_id: "c1", trace_id: "t1" }]);
    panel.show({ ...ref, trace_id: "t2" });
    panel.receive({ kind: "transcript", trace_id: "t1", messages: TURN });
    expect(panel.state).toBe("loading"); // the answer for t1 arrived while t2 is shown
    panel.show(ref);
    expect(panel.state).toBe("ready");
    expect(channel.sent.length).toBe(2); // t1 came from the cache
    expect(panel.root.querySelectorAll(".wwm-tr-msg").length).toBe(TURN.length);
    panel.show(null);
    expect(panel.root.hidden).toBe(true);
  });

  it("says what failed", () => {
    const panel = new TranscriptPanel(document, fakeChannel(), null, () => {});
    panel.show(ref);
    panel.receive({ kind: "transcript", request: 1, error: "no transcript source" });
    expect(panel.state).toBe("error");
    expect(panel.root.textContent).toContain("no transcript source");
  });

  it("without a kernel shows prefetched turns, or says plainly it needs one", () => {
    const panel = new TranscriptPanel(document, null, { turns: { t1: TURN }, omitted: 0 }, () => {});
    panel.show(ref);
    expect(panel.state).toBe("ready");
    panel.show({ ...ref, trace_id: "t9" });
    expect(panel.state).toBe("needs-kernel");
    expect(panel.root.textContent).toContain("needs a live kernel");
    const capped = new TranscriptPanel(document, null, { turns: {}, omitted: 3 }, () => {});
    capped.show(ref);
    expect(capped.state).toBe("omitted");
  });
});

describe("search box", () => {
  it("sends the query, keeps only the latest answer, and clears on empty", () => {
    const channel = fakeChannel();
    const results: (string[] | null)[] = [];
    const box = new SearchBox(document, channel, (ids) => results.push(ids));
    box.input.value = "lisbon";
    box.now();
    box.input.value = "lisbon hotel";
    box.now();
    expect(channel.sent).toEqual([
      { kind: "search", request: 1, query: "lisbon" },
      { kind: "search", request: 2, query: "lisbon hotel" },
    ]);
    box.receive({ kind: "search", request: 1, conversation_ids: ["a", "b"] });
    expect(results).toEqual([]);
    box.receive({ kind: "search", request: 2, conversation_ids: ["a"] });
    expect(results).toEqual([["a"]]);
    expect(box.root.textContent).toContain("1 conversation match");
    box.input.value = "  ";
    box.now();
    expect(results.at(-1)).toBeNull();
  });

  it("is disabled without a kernel", () => {
    const box = new SearchBox(document, null, () => {});
    expect(box.input.disabled).toBe(true);
    expect(box.input.placeholder).toContain("no kernel");
    expect(box.input.title).toContain("needs a live kernel");
  });
});
