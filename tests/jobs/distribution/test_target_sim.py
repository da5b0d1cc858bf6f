"""The SIDJP/SIPMOD simulator (CONTRACT §5): receipts, idempotency, validation, faults, durability, the CLI."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from jobs.distribution.target_sim import SimServer, TargetSimulator, parse_batch, start_in_thread

REPO = Path(__file__).resolve().parents[3]


def row(ntpn: str, amount: int = 150000) -> dict[str, Any]:
    return {
        "ntpn": ntpn,
        "npwp": "012345678901000",
        "kap": "411121",
        "kjs": "100",
        "tax_period": "112026",
        "amount": amount,
        "paid_at": "2026-11-20T10:00:00+07:00",
        "business_date": "2026-11-20",
        "bank_code": "002",
        "ntb": "NTB" + ntpn,
    }


def batch(batch_id: str, ntpns: list[str], target: str = "sidjp", **extra: Any) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "target": target,
        "business_date": "2026-11-20",
        "kpp_code": "001",
        "rows": [row(n) for n in ntpns],
        **extra,
    }


def sha(ntpns: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ntpns)).encode()).hexdigest()


class Client:
    """A keep-alive `http.client` connection to the simulator."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        self.conn.request(method, path, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, json.loads(data)

    def post(self, target: str, doc: dict[str, Any], key: str | None = "") -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key or doc["batch_id"]
        return self.request("POST", f"/{target}/batches", json.dumps(doc).encode(), headers)

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[SimServer, Client]]:
    server, url = start_in_thread(tmp_path / "sim")
    yield server, Client(url)
    server.stop()


def test_resend_answers_200_with_the_same_receipt(sim: tuple[SimServer, Client]) -> None:
    _, client = sim
    ntpns = ["0B2", "0A1", "0C3"]
    status, first = client.post("sidjp", batch("B-1", ntpns))
    assert status == 201
    assert first == {"batch_id": "B-1", "received": 3, "sha256": sha(ntpns)}
    assert first["sha256"] == hashlib.sha256(b"0A1\n0B2\n0C3").hexdigest()
    assert client.post("sidjp", batch("B-1", ntpns)) == (200, first)
    assert client.get("/sidjp/stats") == (200, {"batches": 1, "rows": 3, "distinct_ntpn": 3})


def test_get_receipt_or_404_per_target(sim: tuple[SimServer, Client]) -> None:
    _, client = sim
    _, receipt = client.post("sipmod", batch("K/001 2026-11-20", ["X1"], target="sipmod"))
    assert client.get("/sipmod/batches/K%2F001%202026-11-20") == (200, receipt)
    assert client.get("/sidjp/batches/K%2F001%202026-11-20")[0] == 404
    assert client.get("/sipmod/batches/nope")[0] == 404
    assert client.get("/healthz") == (200, {"status": "ok"})
    assert client.get("/other/stats")[0] == 404
    assert client.post("other", batch("B", ["X"], target="other"))[0] == 404


def test_same_ntpn_in_two_batches_counts_rows_above_distinct(sim: tuple[SimServer, Client]) -> None:
    _, client = sim
    assert client.post("sidjp", batch("B-1", ["N1", "N2"]))[0] == 201
    assert client.post("sidjp", batch("B-2", ["N2", "N3"]))[0] == 201
    assert client.get("/sidjp/stats") == (200, {"batches": 2, "rows": 4, "distinct_ntpn": 3})
    assert client.get("/sipmod/stats") == (200, {"batches": 0, "rows": 0, "distinct_ntpn": 0})


def test_changed_resend_is_409_and_stores_nothing(sim: tuple[SimServer, Client]) -> None:
    _, client = sim
    client.post("sidjp", batch("B-1", ["N1", "N2"]))
    assert client.post("sidjp", batch("B-1", ["N1", "N9"]))[0] == 409
    changed = batch("B-1", ["N1", "N2"])
    changed["rows"][0]["amount"] = 1
    assert client.post("sidjp", changed)[0] == 409
    assert client.get("/sidjp/stats") == (200, {"batches": 1, "rows": 2, "distinct_ntpn": 2})


def test_resend_serialised_differently_is_the_same_batch() -> None:
    doc = batch("B-1", ["N1"])
    reordered = {k: doc[k] for k in reversed(doc)}
    reordered["rows"] = [dict(reversed(list(r.items()))) for r in doc["rows"]]
    a = parse_batch(json.dumps(doc).encode(), target="sidjp", idempotency_key="B-1")
    b = parse_batch(json.dumps(reordered, indent=2).encode(), target="sidjp", idempotency_key="B-1")
    assert a.content == b.content


@pytest.mark.parametrize(
    ("body", "key", "reason"),
    [
        (b"{not json", "B-1", "malformed JSON"),
        (b"[1, 2]", "B-1", "JSON object"),
        (json.dumps({"batch_id": "B-1", "target": "sidjp"}).encode(), "B-1", "missing fields"),
        (json.dumps(batch("B-1", ["N1"])).encode(), None, "Idempotency-Key"),
        (json.dumps(batch("B-1", ["N1"])).encode(), "B-2", "Idempotency-Key"),
        (json.dumps(batch("B-1", ["N1"], target="sipmod")).encode(), "B-1", "target"),
        (json.dumps({**batch("B-1", []), "rows": [{"ntpn": "N1"}]}).encode(), "B-1", "rows[0]: missing fields"),
        (json.dumps({**batch("B-1", []), "rows": ["N1"]}).encode(), "B-1", "rows[0] must be"),
        (json.dumps({**batch("B-1", []), "rows": [{**row("N1"), "ntpn": 7}]}).encode(), "B-1", "ntpn"),
    ],
)
def test_bad_requests_are_400_with_a_reason(
    sim: tuple[SimServer, Client], body: bytes, key: str | None, reason: str
) -> None:
    _, client = sim
    headers = {"Idempotency-Key": key} if key else {}
    status, answer = client.request("POST", "/sidjp/batches", body, headers)
    assert status == 400 and reason in answer["error"]
    assert client.get("/sidjp/stats")[1]["batches"] == 0  # the connection stays usable


def test_fail_rate_answers_503_and_stores_nothing(tmp_path: Path) -> None:
    server, url = start_in_thread(tmp_path, fail_rate=1.0, seed=1)
    try:
        client = Client(url)
        assert client.post("sidjp", batch("B-1", ["N1"]))[0] == 503
        assert client.get("/sidjp/batches/B-1")[0] == 404
        assert client.get("/sidjp/stats")[1] == {"batches": 0, "rows": 0, "distinct_ntpn": 0}
    finally:
        server.stop()


def test_lost_ack_stores_then_answers_503(tmp_path: Path) -> None:
    server, url = start_in_thread(tmp_path, lost_ack_rate=1.0, seed=1)
    try:
        client = Client(url)
        assert client.post("sidjp", batch("B-1", ["N1", "N2"]))[0] == 503
        assert client.get("/sidjp/batches/B-1") == (
            200,
            {"batch_id": "B-1", "received": 2, "sha256": sha(["N1", "N2"])},
        )
        assert client.post("sidjp", batch("B-1", ["N1", "N2"]))[0] == 503  # the retry's reply is lost too
        assert client.get("/sidjp/stats")[1] == {"batches": 1, "rows": 2, "distinct_ntpn": 2}
    finally:
        server.stop()


def test_latency_delays_every_answer(tmp_path: Path) -> None:
    server, url = start_in_thread(tmp_path, latency_ms=150)
    try:
        started = time.monotonic()
        assert Client(url).get("/healthz")[0] == 200
        assert time.monotonic() - started >= 0.15
    finally:
        server.stop()


def test_restart_keeps_everything_and_drops_a_torn_last_line(tmp_path: Path) -> None:
    server, url = start_in_thread(tmp_path)
    client = Client(url)
    _, receipt = client.post("sidjp", batch("B-1", ["N1", "N2"]))
    client.post("sidjp", batch("B-2", ["N2", "N3"]))
    client.post("sipmod", batch("S-1", ["N1"], target="sipmod"))
    server.stop()
    log = tmp_path / "sidjp.jsonl"
    intact = log.read_bytes()
    with open(log, "ab") as f:
        f.write(b'{"batch_id":"B-3","business_da')  # a crash in the middle of a write

    sim = TargetSimulator(tmp_path)
    try:
        assert log.read_bytes() == intact
        assert sim.receipt("sidjp", "B-1") == tuple(receipt.values())
        assert sim.receipt("sidjp", "B-3") is None
        assert sim.stats("sidjp") == (2, 4, 3)
        assert sim.stats("sipmod") == (1, 1, 1)
        again = parse_batch(json.dumps(batch("B-1", ["N1", "N2"])).encode(), target="sidjp", idempotency_key="B-1")
        assert sim.store(again) == (tuple(receipt.values()), False)
    finally:
        sim.close()


def test_a_second_simulator_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    sim = TargetSimulator(tmp_path)
    try:
        with pytest.raises(RuntimeError, match="another target simulator"):
            TargetSimulator(tmp_path)
    finally:
        sim.close()


def test_concurrent_identical_posts_store_once(sim: tuple[SimServer, Client]) -> None:
    server, client = sim
    doc = batch("B-1", [f"N{i:05d}" for i in range(2000)])
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def post() -> None:
        own = Client(server.url)
        barrier.wait()
        statuses.append(own.post("sidjp", doc)[0])

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert client.get("/sidjp/stats")[1] == {"batches": 1, "rows": 2000, "distinct_ntpn": 2000}
    assert len((server.simulator.data_dir / "sidjp.jsonl").read_bytes().splitlines()) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_advertises_its_url_while_it_runs(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "MPN_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "target-sim", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    advert = tmp_path / "target-sim.json"
    try:
        deadline = time.monotonic() + 20
        while not advert.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        assert json.loads(advert.read_text()) == {"url": url, "pid": proc.pid}
        assert Client(url).get("/healthz") == (200, {"status": "ok"})
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"{url}/sidjp" in out and f"{url}/sipmod" in out
    assert not advert.exists()
    assert (tmp_path / "target-sim" / "sidjp.jsonl").exists()


def test_cli_rejects_a_rate_outside_0_1() -> None:
    from click.testing import CliRunner

    from cli.main import main

    assert CliRunner().invoke(main, ["target-sim", "--fail-rate", "1.5"]).exit_code == 2


def test_a_chunked_body_is_read_whole(sim: tuple[SimServer, Client]) -> None:
    _, client = sim
    doc = json.dumps(batch("B-1", ["N1", "N2"])).encode()
    client.conn.request(
        "POST",
        "/sidjp/batches",
        body=iter([doc[:10], doc[10:]]),
        headers={"Idempotency-Key": "B-1"},
        encode_chunked=True,
    )
    resp = client.conn.getresponse()
    assert resp.status == 201 and json.loads(resp.read())["received"] == 2
    assert client.get("/sidjp/stats")[1]["rows"] == 2


def test_a_corrupt_line_before_the_last_is_refused(tmp_path: Path) -> None:
    sim = TargetSimulator(tmp_path)
    sim.store(parse_batch(json.dumps(batch("B-1", ["N1"])).encode(), target="sidjp", idempotency_key="B-1"))
    sim.close()
    log = tmp_path / "sidjp.jsonl"
    log.write_bytes(b"garbage\n" + log.read_bytes())
    with pytest.raises(RuntimeError, match="corrupt line at byte 0"):
        TargetSimulator(tmp_path)
