"""Mail benchmark: the outbox sent to the local SMTP sink (a separate process, the real protocol) on localhost.

    python bench/mail.py [--messages 500] [--attachment-kb 200]

Runs on the configured server (`MPN_DATABASE_URL`, else the embedded one) in a scratch database `mpn_bench_mail`:
enqueues `--messages` messages (every fifth with a PDF-sized attachment, stored once by SHA-256), then one
`jobs.mail.send.send_queued` run over one SMTP connection to `python -m jobs.mail.sink`. Prints the enqueue and send
rates and the uncertain window of `jobs.mail.send` measured per message (`sent_at - sending_at`: from the commit of
`sending` before DATA to the server's reply; the commit of `sent` follows), median, p99 and max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import drop_database, scratch_database  # noqa: E402
from jobs.mail.send import send_queued  # noqa: E402
from jobs.mail.sink import kept_messages, sink_process  # noqa: E402
from queries.db import resolve_url  # noqa: E402
from queries.mail import outbox as q  # noqa: E402

DB = "mpn_bench_mail"


def main() -> None:
    """Enqueue, send, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--attachment-kb", type=int, default=200)
    args = parser.parse_args()
    url = resolve_url()
    engine, _ = scratch_database(url, DB, reuse=False)
    pdf = b"%PDF-1.4\n" + os.urandom(args.attachment_kb * 1024)
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            for i in range(args.messages):
                plain, page = q.body([f"Pesan uji {i}: batch bank terlambat."], [("Buka", q.page_url("/kelengkapan"))])
                files = [q.Attachment(f"laporan-{i % 3}.pdf", "application/pdf", pdf)] if i % 5 == 0 else []
                q.enqueue(
                    conn,
                    kind="test",
                    to=[f"penerima{i % 7}@mpn-demo.localhost"],
                    subject=f"Uji {i}",
                    text_body=plain,
                    html_body=page,
                    attachments=files,
                )
        enqueued = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as folder, sink_process(Path(folder)):
            started = time.perf_counter()
            result = send_queued(engine)
            sent = time.perf_counter() - started
            arrived = len(kept_messages(Path(folder), limit=args.messages + 1))
        with engine.connect() as conn:
            window = [
                float(s)
                for s in conn.execute(
                    text(
                        "SELECT extract(epoch FROM sent_at - sending_at) * 1000 FROM mail_message WHERE status = 'sent'"
                    )
                ).scalars()
            ]
        window.sort()
        print(f"enqueue: {args.messages} messages in {enqueued:.2f} s ({args.messages / enqueued:,.0f}/s)")
        print(
            f"send: {result.message} in {sent:.2f} s ({result.sent / sent:,.0f} messages/s, one connection); "
            f"the sink kept {arrived}"
        )
        print(
            f"uncertain window (sending -> reply): median {statistics.median(window):.1f} ms, "
            f"p99 {window[int(len(window) * 0.99) - 1]:.1f} ms, max {window[-1]:.1f} ms"
        )
    finally:
        engine.dispose()
        drop_database(url, DB)


if __name__ == "__main__":
    main()
