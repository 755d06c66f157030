// Shared test helpers: the Python-generated payload fixtures and their expected frames.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodePayload, type MinimapData } from "../src/decode";

const dir = join(import.meta.dirname, "fixtures") + "/";

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(dir + name));
}

export interface Expected {
  conversations: Record<string, unknown>[];
  spans: { conversation_id: string; span_id: string; trace_id: string; operation_name: string; category: string; status: string; duration_ms: number; turn_index: number; span_index: number }[];
  feedback: { conversation_id: string; trace_id: string | null; turn_index: number | null; level: string; feedback_type: string; tags: string[] }[];
  ratings: { name: string; value: number; reason: string | null; confidence: number | null; feedback_index: number; conversation_id: string }[];
}

export const expected = JSON.parse(readFileSync(dir + "sample.json", "utf-8")) as Expected;

export function sample(): Promise<MinimapData> {
  return decodePayload(fixtureBytes("sample.bin"));
}
