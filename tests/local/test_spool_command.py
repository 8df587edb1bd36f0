"""``sentry-lite spool list|send|purge`` on spool files the SDK wrote while its server was down."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from ports import closed_port

import sentry_lite
from sentry_lite.local.cli import main
from sentry_lite.local.receiver import Receiver, Response

KEY = "a" * 32


def spool_messages(
    spool_dir: Path, dsn: str, messages: list[str], attachment: bool = False
) -> None:
    """Capture ``messages`` with the SDK while nothing listens: close() spools them."""
    sentry_lite.init(dsn, spool_dir=str(spool_dir), default_integrations=False)
    for message in messages:
        with sentry_lite.new_scope() as scope:
            if attachment:
                scope.add_attachment(bytes=b"log line\n", filename="run.log")
            sentry_lite.capture_message(message)
    sentry_lite.get_client().close(0.0)
    sentry_lite.get_global_scope().set_client(None)


def spool_files(spool_dir: Path) -> list[Path]:
    return sorted(spool_dir.glob("*/*.envelope"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["spool", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def port() -> int:
    return closed_port()


@pytest.fixture
def dsn(port: int) -> str:
    return f"http://{KEY}@127.0.0.1:{port}/1"


@pytest.fixture
def spooled(tmp_path: Path, dsn: str) -> Path:
    """Three message events spooled for ``dsn``, the first with an attachment."""
    spool_dir = tmp_path / "spool"
    spool_messages(spool_dir, dsn, ["first"], attachment=True)
    spool_messages(spool_dir, dsn, ["second", "third"])
    assert len(spool_files(spool_dir)) == 3
    return spool_dir


@pytest.fixture
def server(port: int, payload_validator) -> Receiver:
    with Receiver(port=port, public_key=KEY) as running:
        running.on_envelope = payload_validator
        yield running
    assert not payload_validator.failures


def test_list_per_dsn_counts_ages_sizes_and_item_types(spooled, dsn, capsys):
    code, out, _ = run(capsys, "list", "--spool-dir", str(spooled))

    assert code == 0
    size = sum(path.stat().st_size for path in spool_files(spooled))
    assert out.startswith(f"{spooled}: 3 envelopes, {size / 1024:.1f} KB\n"), out
    assert f"\n{dsn}\n" in out
    assert re.search(r"envelopes  3, [\d.]+ KB; oldest \d+ s ago, newest \d+ s ago", out), out
    assert "items      attachment 1, event 3" in out


def test_the_spool_dir_comes_from_the_environment(spooled, capsys, monkeypatch):
    monkeypatch.setenv("SENTRY_LITE_SPOOL_DIR", str(spooled))

    code, out, _ = run(capsys, "list")

    assert code == 0
    assert "3 envelopes" in out


def test_without_a_spool_dir_it_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.delenv("SENTRY_LITE_SPOOL_DIR", raising=False)

    code, _, err = run(capsys, "list")

    assert code == 2
    assert "give --spool-dir or set SENTRY_LITE_SPOOL_DIR" in err


def test_send_delivers_everything_and_empties_the_spool(spooled, server, capsys):
    code, out, _ = run(capsys, "send", "--spool-dir", str(spooled))

    assert code == 0, out
    assert out.endswith(": 3 sent\n")
    assert [event["message"] for event in server.events] == ["first", "second", "third"]
    assert spool_files(spooled) == []


def test_send_removes_what_the_server_refused_and_says_why(spooled, server, capsys):
    server.script([Response(403)])

    code, out, _ = run(capsys, "send", "--spool-dir", str(spooled))

    assert code == 1
    assert "2 sent, 1 refused and removed (send_error: HTTP 403 forbidden" in out
    assert [event["message"] for event in server.events] == ["first", "second", "third"]
    assert spool_files(spooled) == []


def test_send_keeps_what_a_rate_limit_holds_back(spooled, server, capsys):
    server.script([Response(429, {"X-Sentry-Rate-Limits": "60::organization"})])

    code, out, _ = run(capsys, "send", "--spool-dir", str(spooled))

    assert code == 1
    assert "0 sent, 1 refused and removed (server_rate_limited" in out
    assert "2 kept in the spool (rate limited" in out
    assert server.request_count == 1
    assert len(spool_files(spooled)) == 2


def test_send_without_a_server_keeps_everything(spooled, capsys, caplog):
    code, out, _ = run(capsys, "send", "--spool-dir", str(spooled), "--timeout", "0.3")

    assert code == 1
    assert "0 sent, 3 kept in the spool (no answer: connection refused to 127.0.0.1:" in out
    assert len(spool_files(spooled)) == 3
    # Said once, in the summary: not also by the SDK's own warning.
    assert not [r for r in caplog.records if r.name == "sentry_lite"]


def test_send_with_the_spool_dir_in_the_environment_leaves_no_copies(spooled, capsys, monkeypatch):
    # SENTRY_LITE_SPOOL_DIR is what `spool` reads by default; the transport that sends
    # must not spool a failed send again beside the file it keeps.
    monkeypatch.setenv("SENTRY_LITE_SPOOL_DIR", str(spooled))
    before = sorted(path.read_bytes() for path in spool_files(spooled))
    for _ in range(2):
        code, out, _ = run(capsys, "send", "--timeout", "0.3")
        assert code == 1
        assert "0 sent, 3 kept in the spool (no answer: connection refused to" in out
    assert sorted(path.read_bytes() for path in spool_files(spooled)) == before


def test_send_to_a_hung_server_keeps_everything(spooled, server, capsys):
    server.respond_with(hang=True)

    code, out, _ = run(capsys, "send", "--spool-dir", str(spooled), "--timeout", "0.3")

    assert code == 1
    # --timeout bounds each request: the read timed out, not the command's wait.
    assert "3 kept in the spool (no answer from 127.0.0.1:" in out
    assert "in time (read timeout))" in out
    assert len(spool_files(spooled)) == 3


def test_dsn_picks_one_directory(spooled, tmp_path, capsys):
    other = f"http://{'b' * 32}@127.0.0.1:{closed_port()}/2"
    spool_messages(spooled, other, ["elsewhere"])

    code, everything, _ = run(capsys, "list", "--spool-dir", str(spooled))
    assert code == 0
    assert "4 envelopes" in everything
    assert other in everything

    code, only, _ = run(capsys, "list", "--spool-dir", str(spooled), "--dsn", other)
    assert code == 0
    assert only.startswith(f"{spooled}: 1 envelope,")
    assert "items      event 1" in only


def test_files_without_the_dsn_in_their_header_need_dsn_to_send(spooled, dsn, server, capsys):
    for path in spool_files(spooled):  # as written before the header named the DSN
        header, _, body = path.read_bytes().partition(b"\n")
        fields = json.loads(header)
        del fields["dsn"]
        path.write_bytes(json.dumps(fields).encode() + b"\n" + body)

    code, out, _ = run(capsys, "list", "--spool-dir", str(spooled))
    assert code == 0
    assert "(DSN unknown: " in out

    code, out, _ = run(capsys, "send", "--spool-dir", str(spooled))
    assert code == 1
    assert "skipped" in out
    assert "give the DSN with --dsn" in out

    code, out, _ = run(capsys, "send", "--spool-dir", str(spooled), "--dsn", dsn)
    assert code == 0
    assert len(server.events) == 3


def test_purge_needs_yes(spooled, capsys):
    code, out, _ = run(capsys, "purge", "--spool-dir", str(spooled))

    assert code == 1
    assert "would remove 3 envelopes" in out
    assert "nothing removed: run again with --yes" in out
    assert len(spool_files(spooled)) == 3

    code, out, _ = run(capsys, "purge", "--spool-dir", str(spooled), "--yes")

    assert code == 0
    assert "removed 3 envelopes" in out
    assert spool_files(spooled) == []


def test_a_directory_emptied_by_send_is_not_listed(spooled, server, capsys):
    code, _, _ = run(capsys, "send", "--spool-dir", str(spooled))
    assert code == 0

    code, out, _ = run(capsys, "list", "--spool-dir", str(spooled))

    assert code == 0
    assert out == f"{spooled}: 0 envelopes, 0 bytes\n"


def test_a_directory_emptied_by_purge_is_neither_listed_nor_purged_again(spooled, capsys):
    code, _, _ = run(capsys, "purge", "--spool-dir", str(spooled), "--yes")
    assert code == 0

    code, out, _ = run(capsys, "purge", "--spool-dir", str(spooled), "--yes")
    assert (code, out) == (0, f"nothing to remove in {spooled}\n")
    code, out, _ = run(capsys, "list", "--spool-dir", str(spooled))
    assert out == f"{spooled}: 0 envelopes, 0 bytes\n"
    # Left in place: a program running with this spool may be about to write into it.
    assert [path.name for path in spooled.iterdir()] != []


def test_a_directory_whose_files_are_all_being_sent_is_listed(spooled, capsys):
    for path in spool_files(spooled):  # claimed by a live process (this one)
        path.rename(f"{path}.claimed-{os.getpid()}")

    code, out, _ = run(capsys, "list", "--spool-dir", str(spooled))

    assert code == 0
    assert "envelopes  none" in out
    assert out.count("claimed by process") == 3
