"""bench.saved_notebooks keeps what a front end keeps: open models (state and buffers), not
closed ones, and each cell's last outputs, saved as JupyterLab saves widget state."""

from __future__ import annotations

import base64

from bench.saved_notebooks import WIDGET_STATE, FrontEnd


def comm(
    kind: str, comm_id: str, data: dict[str, object], buffers: list[bytes]
) -> dict[str, object]:
    content = {"comm_id": comm_id, "data": data, "target_name": "jupyter.widget"}
    return {"msg_type": kind, "content": content, "buffers": buffers}


def test_front_end_keeps_open_models_with_their_buffers() -> None:
    front = FrontEnd()
    state = {"_model_name": "AnyModel", "_model_module": "anywidget", "payload": None}
    front.receive(
        "a", comm("comm_open", "m1", {"state": state, "buffer_paths": [["payload"]]}, [b"xyz"])
    )
    front.receive("a", comm("comm_open", "m2", {"state": dict(state), "buffer_paths": []}, []))
    update = {"method": "update", "state": {"height": 300}, "buffer_paths": [["payload"]]}
    front.receive("a", comm("comm_msg", "m1", update, [b"abcd"]))
    front.receive("a", comm("comm_close", "m2", {}, []))
    saved = front.widget_state()[WIDGET_STATE]["state"]
    assert list(saved) == ["m1"]
    entry = saved["m1"]
    assert entry["model_name"] == "AnyModel"
    assert entry["state"]["height"] == 300
    assert "payload" not in entry["state"]
    assert entry["buffers"] == [
        {"path": ["payload"], "data": base64.b64encode(b"abcd").decode(), "encoding": "base64"}
    ]
