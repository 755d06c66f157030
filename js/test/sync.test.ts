import { describe, expect, it } from "vitest";
import { type Selected, TRAIT_DEFAULTS, type Traits } from "../src/contract";
import { conversationIndex, type Model, ModelSync, OPTION_TRAITS } from "../src/sync";
import { expected, sample } from "./helpers";

/** A model like the HTML page's shim: a state object, change listeners, a save counter. */
function fakeModel(state: Partial<Traits>): Model & { saves: number; listeners: number } {
  type Listener = (...args: never[]) => void;
  const listeners = new Map<string, Set<Listener>>();
  const model = {
    saves: 0,
    get listeners() {
      return [...listeners.values()].reduce((n, set) => n + set.size, 0);
    },
    get: <K extends keyof Traits>(name: K) => state[name] as Traits[K],
    set: <K extends keyof Traits>(name: K, value: Traits[K]) => {
      state[name] = value;
      for (const fn of listeners.get(`change:${name}`) ?? []) fn();
    },
    on: (event: string, fn: Listener) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)?.add(fn);
    },
    off: (event?: string | null, fn?: Listener | null) => {
      if (event && fn) listeners.get(event)?.delete(fn);
    },
    save_changes: () => {
      model.saves++;
    },
  };
  return model;
}

describe("ModelSync", () => {
  it("dispatches custom messages by kind and sends where there is a kernel", () => {
    type Custom = (msg: unknown, buffers: DataView[]) => void;
    const sent: unknown[] = [];
    let custom: Custom | null = null;
    const model = {
      ...fakeModel({}),
      on: (event: string, fn: Custom) => {
        if (event === "msg:custom") custom = fn;
      },
      off: () => {
        custom = null;
      },
    } as unknown as Model;
    const sync = new ModelSync(model);
    expect(sync.send({ kind: "request_payload" })).toBe(false);
    const got: string[] = [];
    sync.onMessage("payload", (msg, buffers) => got.push(`${msg.kind}:${buffers.length}`));
    const deliver = custom as unknown as Custom;
    deliver({ kind: "payload" }, [new DataView(new ArrayBuffer(4))]);
    deliver({ kind: "other" }, []);
    deliver("not a dict", []);
    deliver({ nokind: 1 }, []);
    expect(got).toEqual(["payload:1"]);
    const live = new ModelSync({ ...model, send: (msg: unknown) => sent.push(msg) } as Model);
    expect(live.send({ kind: "request_payload" })).toBe(true);
    expect(sent).toEqual([{ kind: "request_payload" }]);
    sync.dispose();
    expect(custom).toBeNull();
  });

  it("falls back to Python's defaults for traits the model lacks", () => {
    const sync = new ModelSync(fakeModel({ sort_by: "errors" }));
    expect(sync.get("sort_by")).toBe("errors");
    expect(sync.get("height")).toBe(TRAIT_DEFAULTS.height);
    expect(Object.keys(sync.options())).toEqual([...OPTION_TRAITS]);
    expect(sync.options().scale).toBe(TRAIT_DEFAULTS.scale);
    expect(sync.payload()).toBeNull();
  });

  it("writes and saves, and stops listening on dispose", () => {
    const model = fakeModel({});
    const sync = new ModelSync(model);
    let changes = 0;
    sync.onChange("scale", () => changes++);
    sync.set("scale", "log");
    expect([model.get("scale"), model.saves, changes]).toEqual(["log", 1, 1]);
    sync.dispose();
    expect(model.listeners).toBe(0);
  });

  it("locates the selected span in the data and writes a selection back", async () => {
    const data = await sample();
    const span = expected.spans[4];
    const model = fakeModel({ selected: { conversation_id: span.conversation_id, span_id: span.span_id } });
    const sync = new ModelSync(model);
    const ref = sync.selection(data);
    const c = conversationIndex(data, span.conversation_id);
    expect(ref).toEqual({ conversation: c, span: 4 - data.spanOffsets[c] });
    sync.clearSelection();
    expect(model.get("selected")).toEqual({});
    expect(sync.selection(data)).toBeNull();
    sync.select(data, ref as NonNullable<typeof ref>);
    const written: Selected = { conversation_id: span.conversation_id, trace_id: span.trace_id, span_id: span.span_id };
    expect(model.get("selected")).toEqual(written);
    model.set("selected", { conversation_id: "nope", span_id: span.span_id });
    expect(sync.selection(data)).toBeNull();
    expect(conversationIndex(null, span.conversation_id)).toBe(-1);
  });
});
