"""Objects, files, tables and refs as the weave SDK publishes and reads them: versions, digests
(the SDK's own algorithm), 404s and 409s, multipart uploads, raw file bytes, table paging and
ref paths."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from server_api import Api

digests = pytest.importorskip("weave.trace.serialization.digest")

OP_VAL = {
    "_type": "CustomWeaveType",
    "weave_type": {"type": "Op"},
    "files": {"obj.py": "goKp18YBtdD8Jd4UvZfu0PExdoPG3qdWBAaUH1YWbJU"},
}


def create(api: Api, object_id: str, val: Any, status: int = 200, **extra: Any) -> Any:
    body = {"project_id": api.project_id, "object_id": object_id, "val": val, **extra}
    return api.post("/obj/create", {"obj": body}, status)


def read(api: Api, object_id: str, digest: str, status: int = 200, **extra: Any) -> Any:
    body = {"project_id": api.project_id, "object_id": object_id, "digest": digest, **extra}
    return api.post("/obj/read", body, status)


def upload(api: Api, content: bytes, **form: str) -> Any:
    return api.http.post(
        "/file/create",
        data={"project_id": api.project_id, **form},
        files={"file": ("obj.py", content, "text/x-python")},
    )


def table(api: Api, rows: list[dict[str, Any]], status: int = 200, **extra: Any) -> Any:
    return api.post(
        "/table/create", {"table": {"project_id": api.project_id, "rows": rows, **extra}}, status
    )


def query(api: Api, digest: str, **extra: Any) -> list[Any]:
    body = {"project_id": api.project_id, "digest": digest, **extra}
    return list(api.post("/table/query", body)["rows"])


# --- objects ---------------------------------------------------------------------------------


def test_versions_latest_and_digests(api: Api) -> None:
    first = create(api, "config", {"temperature": 0.2, "tags": ["a"]})
    second = create(api, "config", {"temperature": 0.7, "tags": ["a"]})
    assert first["digest"] == digests.compute_object_digest({"tags": ["a"], "temperature": 0.2})
    assert second["digest"] != first["digest"]
    # the same value again is the same version: no v2
    assert create(api, "config", {"tags": ["a"], "temperature": 0.2}) == first
    read(api, "config", "v2", 404)

    v0, v1 = read(api, "config", "v0")["obj"], read(api, "config", "v1")["obj"]
    assert (v0["digest"], v0["version_index"], v0["is_latest"]) == (first["digest"], 0, 0)
    assert (v1["digest"], v1["version_index"], v1["is_latest"]) == (second["digest"], 1, 1)
    assert read(api, "config", "latest")["obj"] == v1
    assert read(api, "config", first["digest"])["obj"] == v0
    assert v0["val"] == {"temperature": 0.2, "tags": ["a"]}
    assert v0["project_id"] == api.project_id
    assert v0["object_id"] == "config"
    assert v0["kind"] == "object"
    assert v0["base_object_class"] is None
    assert v0["deleted_at"] is None
    assert v0["wb_user_id"] == "local"
    assert v0["created_at"].endswith("Z")
    assert v0["created_at"] <= v1["created_at"]


def test_kinds_and_object_classes(api: Api) -> None:
    op = create(api, "answer", OP_VAL)
    assert read(api, "answer", op["digest"])["obj"]["kind"] == "op"
    dataset = {
        "_type": "Dataset",
        "name": "ds",
        "rows": "weave:///e/p/table/abc",
        "_class_name": "Dataset",
        "_bases": ["Object", "BaseModel"],
    }
    create(api, "ds", dataset)
    obj = read(api, "ds", "latest")["obj"]
    assert (obj["kind"], obj["base_object_class"], obj["leaf_object_class"]) == (
        "object",
        "Dataset",
        "Dataset",
    )
    model = {"_class_name": "MyModel", "_bases": ["Model", "Object", "BaseModel"], "x": 1}
    create(api, "m", model)
    obj = read(api, "m", "latest")["obj"]
    assert (obj["base_object_class"], obj["leaf_object_class"]) == ("Model", "MyModel")


def test_metadata_only_tags_and_plain_values(api: Api) -> None:
    create(api, "n", 42)
    create(api, "n", [1, "two", None])
    obj = read(api, "n", "latest", metadata_only=True, include_tags_and_aliases=True)["obj"]
    assert obj["val"] == {}
    assert obj["size_bytes"] > 0
    assert (obj["tags"], obj["aliases"]) == ([], ["latest"])
    assert read(api, "n", "v0")["obj"]["val"] == 42
    assert read(api, "n", "v1")["obj"]["val"] == [1, "two", None]


def test_expected_digest_is_honoured_or_409(api: Api) -> None:
    val = {"b": 1, "a": [1.5, "x"]}
    good = digests.compute_object_digest(val)
    assert create(api, "e", val, expected_digest=good)["digest"] == good
    res = api.http.post(
        "/obj/create",
        json={
            "obj": {
                "project_id": api.project_id,
                "object_id": "e",
                "val": {"c": 1},
                "expected_digest": good,
            }
        },
    )
    assert res.status_code == 409
    assert "expected_digest" in res.json()["detail"]
    read(api, "e", "v1", 404)  # nothing stored


def test_missing_objects_are_404_with_detail(api: Api) -> None:
    for digest in ("latest", "v0", "v99999999999999999999", "nope"):
        res = api.http.post(
            "/obj/read", json={"project_id": api.project_id, "object_id": "ghost", "digest": digest}
        )
        assert res.status_code == 404
        assert "ghost" in res.json()["detail"]
    create(api, "real", {"x": 1})
    read(api, "real", "v1", 404)
    # another project does not see it
    other = Api(api.http, api.project_id + "-other")
    read(other, "real", "latest", 404)


def test_bad_object_requests(api: Api) -> None:
    create(api, "a/b", {}, 400)
    create(api, "a:b", {}, 400)
    create(api, "", {}, 400)
    create(api, "x" * 129, {}, 400)
    api.post("/obj/create", {"obj": {"project_id": "no-slash", "object_id": "x", "val": 1}}, 400)
    api.post("/obj/create", {"obj": {"project_id": api.project_id, "object_id": "x"}}, 422)
    api.post("/obj/read", {"project_id": api.project_id, "object_id": "x"}, 422)
    deep: Any = []
    for _ in range(300):  # deeper than the JSON kept in the database may nest
        deep = [deep]
    create(api, "deep", deep, 422)  # refused by the one JSON parser, before it is stored
    table(api, [{"deep": deep}], 422)


# --- files -----------------------------------------------------------------------------------


def test_files_are_stored_under_their_digest(api: Api) -> None:
    content = b"import weave\n\n@weave.op\ndef f() -> int:\n    return 1\n"
    digest = digests.compute_file_digest(content)
    res = upload(api, content, expected_digest=digest)
    assert (res.status_code, res.json()) == (200, {"digest": digest})
    res = api.http.post("/file/content", json={"project_id": api.project_id, "digest": digest})
    assert res.status_code == 200
    assert res.headers["content-type"] == "application/octet-stream"
    assert res.content == content


def test_binary_files_and_no_expected_digest(api: Api) -> None:
    content = bytes(range(256)) + b"\r\n\x00\xff"
    res = upload(api, content)
    assert res.status_code == 200
    digest = res.json()["digest"]
    assert digest == digests.compute_file_digest(content)
    assert upload(api, content, expected_digest="").json() == {"digest": digest}  # idempotent
    res = api.http.post("/file/content", json={"project_id": api.project_id, "digest": digest})
    assert res.content == content


def test_file_errors(api: Api) -> None:
    res = upload(api, b"abc", expected_digest="not-the-digest")
    assert res.status_code == 409
    assert "expected_digest" in res.json()["detail"]
    res = api.http.post("/file/content", json={"project_id": api.project_id, "digest": "missing"})
    assert res.status_code == 404
    assert "missing" in res.json()["detail"]
    # no file part
    res = api.http.post("/file/create", data={"project_id": api.project_id})
    assert res.status_code == 422
    # uploaded to another project
    digest = upload(api, b"mine").json()["digest"]
    other = api.project_id + "x"
    res = api.http.post("/file/content", json={"project_id": other, "digest": digest})
    assert res.status_code == 404


# --- tables ----------------------------------------------------------------------------------


ROWS = [{"q": "a", "a": 1}, {"q": "b", "a": 2}, {"q": "c", "a": 3, "extra": {"k": [1]}}]


def test_table_digests_follow_the_sdk(api: Api) -> None:
    res = table(api, ROWS)
    row_digests = [digests.compute_row_digest(r) for r in ROWS]
    assert res == {"digest": digests.compute_table_digest(row_digests), "row_digests": row_digests}
    # the probe's reference table
    two = table(api, ROWS[:2])
    assert two["digest"] == "2febce6fa90a473a1ea639d4e9d627cc4fe978eb145737b176f9847447630c45"
    assert table(api, ROWS, expected_digest=res["digest"]) == res
    bad = table(api, ROWS[:1], 409, expected_digest=res["digest"])
    assert "expected_digest" in bad["detail"]


def test_table_query_paging_filter_sort_and_stats(api: Api) -> None:
    res = table(api, ROWS)
    digest, rds = res["digest"], res["row_digests"]
    rows = query(api, digest, filter={"row_digests": None}, limit=100, offset=0, sort_by=None)
    assert rows == [
        {"digest": d, "val": r, "original_index": i}
        for i, (d, r) in enumerate(zip(rds, ROWS, strict=True))
    ]
    assert [r["original_index"] for r in query(api, digest, limit=2)] == [0, 1]
    assert [r["original_index"] for r in query(api, digest, limit=2, offset=2)] == [2]
    assert query(api, digest, offset=5) == []
    picked = query(api, digest, filter={"row_digests": [rds[2], rds[0]]})
    assert [r["original_index"] for r in picked] == [0, 2]
    desc = query(api, digest, sort_by=[{"field": "a", "direction": "desc"}], limit=2)
    assert [r["val"]["q"] for r in desc] == ["c", "b"]
    assert [r["original_index"] for r in desc] == [2, 1]
    stats = api.post("/table/query_stats", {"project_id": api.project_id, "digest": digest})
    assert stats == {"count": 3}
    unknown = {"project_id": api.project_id, "digest": "0" * 64}
    assert api.post("/table/query_stats", unknown) == {"count": 0}
    assert api.post("/table/query", unknown) == {"rows": []}
    api.post("/table/query", {**unknown, "limit": -1}, 422)


def test_duplicate_rows_keep_their_places(api: Api) -> None:
    rows = [{"x": 1}, {"x": 1}, {"x": 2}]
    res = table(api, rows)
    assert res["row_digests"][0] == res["row_digests"][1]
    assert [r["val"] for r in query(api, res["digest"])] == rows
    assert [r["original_index"] for r in query(api, res["digest"])] == [0, 1, 2]


def test_create_from_digests(api: Api) -> None:
    probe = {"project_id": api.project_id, "row_digests": [], "expected_digest": None}
    assert api.post("/table/create_from_digests", probe) == {"digest": hashlib.sha256().hexdigest()}
    first = table(api, ROWS[:2])
    second = table(api, ROWS[2:])
    body = {
        "project_id": api.project_id,
        "row_digests": first["row_digests"] + second["row_digests"],
    }
    whole = api.post("/table/create_from_digests", body)
    assert whole["digest"] == table(api, ROWS)["digest"]
    assert [r["val"] for r in query(api, whole["digest"])] == ROWS
    missing = api.post(
        "/table/create_from_digests", {"project_id": api.project_id, "row_digests": ["nope"]}, 400
    )
    assert "nope" in missing["reason"]
    api.post("/table/create_from_digests", {**body, "expected_digest": "wrong"}, 409)


def test_table_update(api: Api) -> None:
    base = table(api, ROWS[:2])
    res = api.post(
        "/table/update",
        {
            "project_id": api.project_id,
            "base_digest": base["digest"],
            "updates": [
                {"append": {"row": ROWS[2]}},
                {"insert": {"index": 0, "row": {"first": True}}},
                {"pop": {"index": 2}},
            ],
        },
    )
    expected = [{"first": True}, ROWS[0], ROWS[2]]
    assert res == {
        "digest": table(api, expected)["digest"],
        "updated_row_digests": [digests.compute_row_digest(r) for r in (ROWS[2], {"first": True})],
    }
    assert [r["val"] for r in query(api, res["digest"])] == expected
    # the base table is unchanged, and the empty table can be appended to
    assert [r["val"] for r in query(api, base["digest"])] == ROWS[:2]
    empty = hashlib.sha256().hexdigest()
    grown = api.post(
        "/table/update",
        {
            "project_id": api.project_id,
            "base_digest": empty,
            "updates": [{"append": {"row": {"z": 0}}}],
        },
    )
    assert [r["val"] for r in query(api, grown["digest"])] == [{"z": 0}]


def test_table_update_errors(api: Api) -> None:
    base = table(api, ROWS[:1])["digest"]
    body = {"project_id": api.project_id, "base_digest": base}
    api.post("/table/update", {**body, "updates": [{"pop": {"index": 5}}]}, 400)
    api.post("/table/update", {**body, "updates": [{}]}, 400)
    missing = api.post("/table/update", {**body, "base_digest": "f" * 64, "updates": []}, 404)
    assert "not found" in missing["detail"]


# --- refs ------------------------------------------------------------------------------------


def test_refs_read_batch(api: Api) -> None:
    p = api.project_id
    rows = table(api, ROWS)
    ds = create(
        api,
        "ds",
        {
            "_type": "Dataset",
            "name": "ds",
            "rows": f"weave:///{p}/table/{rows['digest']}",
            "_class_name": "Dataset",
            "_bases": ["Object", "BaseModel"],
        },
    )["digest"]
    cfg = create(
        api, "cfg", {"model": {"name": "m", "layers": [4, 8]}, "ds": f"weave:///{p}/object/ds:{ds}"}
    )
    op = create(api, "answer", OP_VAL)["digest"]
    refs = [
        f"weave:///{p}/object/cfg:{cfg['digest']}",
        f"weave:///{p}/object/cfg:latest/key/model/key/layers/index/1",
        f"weave:///{p}/object/cfg:v0/attr/model/key/name",
        f"weave:///{p}/op/answer:{op}",
        f"weave:///{p}/object/ds:{ds}/attr/rows/id/{rows['row_digests'][1]}",
        f"weave:///{p}/object/ds:{ds}/attr/rows/index/2",
        f"weave:///{p}/object/cfg:v0/key/ds/attr/rows/index/0",  # through a nested ref
        f"weave:///{p}/table/{rows['digest']}",
        f"weave:///{p}/object/cfg:v0/key/nothing-here",
        f"weave:///{p}/object/ds:{ds}/attr/rows/id/unknown-row",
        f"weave:///{p}/object/cfg:v0/key/model%2Fname",  # quoted edge values
    ]
    vals = api.post("/refs/read_batch", {"refs": refs})["vals"]
    assert vals == [
        {"model": {"name": "m", "layers": [4, 8]}, "ds": f"weave:///{p}/object/ds:{ds}"},
        8,
        "m",
        OP_VAL,
        ROWS[1],
        ROWS[2],
        ROWS[0],
        ROWS,
        None,
        None,
        None,
    ]
    assert api.post("/refs/read_batch", {"refs": []}) == {"vals": []}


def test_refs_read_batch_errors(api: Api) -> None:
    p = api.project_id
    missing = api.post("/refs/read_batch", {"refs": [f"weave:///{p}/object/ghost:latest"]}, 404)
    assert "ghost" in missing["detail"]
    for bad in (
        "http://example.invalid/x",
        f"weave:///{p}/object",
        f"weave:///{p}/call/0191",
        f"weave:///{p}/object/cfg:v0/key",
        f"weave:///{p}/object/cfg:v0/bogus/x",
        f"weave:///{p}/object/cfg:v0/index/x",
    ):
        api.post("/refs/read_batch", {"refs": [bad]}, 400)
