"""The real weave SDK publishes objects, a dataset and ops, traces calls and feedback, then
reads all of it back with its own readers, configured by environment variables alone.

Run as a script in a subprocess by ``test_weave_sdk_readback.py``; it prints one JSON record of
what it published and what the SDK's readers returned. It imports nothing from weave_widgets.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import weave

PROJECT = os.environ["SESSION_PROJECT"]
THREAD = os.environ["SESSION_THREAD"]

ROWS = [{"q": "What is Weave?", "a": 1}, {"q": "Why?", "a": 2}, {"q": "How?", "a": 3}]


@weave.op
def tokenize(text: str) -> list[str]:
    return text.lower().replace("?", "").split()


@weave.op
def retrieve(tokens: list[str], k: int = 2) -> list[dict[str, Any]]:
    return [{"doc": f"doc-{t}", "score": round(1.0 / (i + 1), 3)} for i, t in enumerate(tokens[:k])]


@weave.op
def answer(question: str) -> dict[str, Any]:
    docs = retrieve(tokenize(question))
    return {"answer": f"{len(docs)} docs about {question!r}", "docs": docs}


@weave.op
def flaky(question: str) -> str:
    tokenize(question)
    raise ValueError(f"upstream timed out for {question!r}")


def publish() -> dict[str, Any]:
    first = weave.publish({"temperature": 0.2, "tags": ["a"]}, name="config")
    second = weave.publish({"temperature": 0.7, "tags": ["a", "b"]}, name="config")
    again = weave.publish({"temperature": 0.2, "tags": ["a"]}, name="config")
    dataset = weave.publish(weave.Dataset(name="qa", rows=ROWS))
    op = weave.publish(answer)
    return {
        "config_refs": [first.uri, second.uri, again.uri],
        "config_digests": [first.digest, second.digest, again.digest],
        "dataset_ref": dataset.uri,
        "op_ref": op.uri,
    }


def trace() -> dict[str, Any]:
    with weave.thread(THREAD):
        _, ok = answer.call("What is Weave?")
        _, failed = flaky.call("Why so slow?")
    ok.feedback.add_reaction("👍")
    ok.feedback.add_note("looks right")
    ok.feedback.add("correctness", {"value": True, "score": 0.9})
    return {"ok": ok.id, "failed": failed.id, "trace_id": ok.trace_id}


def summary(call: Any) -> dict[str, Any]:
    return {
        "id": call.id,
        "op_name": call.op_name,
        "trace_id": call.trace_id,
        "parent_id": call.parent_id,
        "thread_id": call.thread_id,
        "turn_id": call.turn_id,
        "inputs": dict(call.inputs),
        "output": call.output,
        "exception": call.exception,
        "status": (call.summary or {}).get("weave", {}).get("status"),
        "started_at": call.started_at.isoformat(),
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
    }


def read_back(client: Any, published: dict[str, Any], traced: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    config = f"weave:///{PROJECT}/object/config"
    out["config_latest"] = dict(weave.ref(f"{config}:latest").get())
    out["config_v0"] = dict(weave.ref(f"{config}:v0").get())
    out["config_by_digest"] = dict(weave.ref(published["config_refs"][1]).get())

    dataset = weave.ref(published["dataset_ref"]).get()
    out["dataset_name"] = dataset.name
    out["dataset_rows"] = [dict(row) for row in dataset.rows]
    out["dataset_len"] = len(dataset.rows)
    row_ref = dataset.rows[1].ref.uri
    out["row_ref"] = row_ref
    out["row_ref_get"] = dict(weave.ref(row_ref).get())

    roots = client.get_calls(filter={"trace_roots_only": True})
    out["roots_len"] = len(roots)
    out["roots"] = [summary(c) for c in roots]
    out["thread_calls"] = [c.id for c in client.get_calls(filter={"thread_ids": [THREAD]})]
    out["all_len"] = len(client.get_calls())
    tokenize_any = f"weave:///{PROJECT}/op/tokenize:*"
    out["tokenize_calls"] = len(list(client.get_calls(filter={"op_names": [tokenize_any]})))
    newest = client.get_calls(sort_by=[{"field": "started_at", "direction": "desc"}], limit=2)
    out["newest_two"] = [c.id for c in newest]

    ok = client.get_call(traced["ok"])
    out["get_call"] = summary(ok)
    out["children"] = [summary(c) for c in ok.children()]
    out["grandchildren"] = [len(list(c.children())) for c in ok.children()]
    out["feedback"] = [[f.feedback_type, f.payload] for f in ok.feedback]
    out["get_feedback"] = len(list(client.get_feedback()))
    out["failed"] = summary(client.get_call(traced["failed"]))

    # the op's code comes back from its file, runs, and is traced as a new call
    loaded = weave.ref(f"weave:///{PROJECT}/op/answer:latest").get()
    out["op_loaded_result"] = loaded("How?")
    out["op_ref_digest_matches"] = published["op_ref"].endswith(
        ":" + weave.ref(published["op_ref"]).digest
    )
    return out


def main() -> None:
    client = weave.init(PROJECT)
    published = publish()
    traced = trace()
    client.flush()
    record = {
        "published": published,
        "traced": traced,
        "read": read_back(client, published, traced),
    }
    weave.finish()
    json.dump(record, sys.stdout, default=str)


if __name__ == "__main__":
    main()
