"""`mpn target-sim`: run the reference SIDJP/SIPMOD simulator (CONTRACT §5) until SIGTERM/SIGINT.

While it runs, `<data dir>/../target-sim.json` holds `{"url", "pid"}` so the product finds "the built-in
simulator when it runs"; a clean stop removes it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

RATE = click.FloatRange(0.0, 1.0)


def url_file(data: Path) -> Path:
    """Where a running simulator over `data` advertises its URL."""
    return data.parent / "target-sim.json"


def _write_url_file(path: Path, url: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}) + "\n")
    os.replace(tmp, path)


def _remove_url_file(path: Path) -> None:
    """Remove the file only if it still names this process (another simulator may have started since)."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


@click.command("target-sim")
@click.option(
    "--port",
    default=8070,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option(
    "--fail-rate", default=0.0, show_default=True, type=RATE, help="Share of POSTs answered 503 before storing."
)
@click.option(
    "--lost-ack-rate",
    default=0.0,
    show_default=True,
    type=RATE,
    help="Share of POSTs stored, then answered 503 (a lost reply).",
)
@click.option(
    "--latency-ms",
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0.0),
    help="Delay before every answer, in milliseconds.",
)
@click.option("--seed", type=int, default=None, help="Seed of the fault injection (default: random).")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the stored batches (default <MPN_DATA_DIR>/target-sim).",
)
def target_sim_cmd(
    port: int, host: str, fail_rate: float, lost_ack_rate: float, latency_ms: float, seed: int | None, data: Path | None
) -> None:
    """The reference SIDJP/SIPMOD simulator: stores batches once and durably, injects faults on request."""
    from jobs.distribution.target_sim import serve
    from queries import config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    data = (data or config.data_dir() / "target-sim").expanduser().resolve()
    advert = url_file(data)

    def started(url: str) -> None:
        _write_url_file(advert, url)
        click.echo(f"MPN target simulator: {url}  (Ctrl+C to stop)")
        click.echo(f"  SIDJP:  {url}/sidjp")
        click.echo(f"  SIPMOD: {url}/sipmod")
        if fail_rate or lost_ack_rate or latency_ms:
            click.echo(f"  faults: fail-rate {fail_rate}, lost-ack-rate {lost_ack_rate}, latency {latency_ms} ms")

    try:
        serve(host, port, data, fail_rate, lost_ack_rate, latency_ms, seed, on_start=started)
    except (OSError, RuntimeError) as exc:
        click.echo(f"error: the target simulator cannot start: {exc}", err=True)
        sys.exit(1)
    finally:
        _remove_url_file(advert)
    click.echo("target simulator stopped")
