"""The scheduler's jobs, defined in code: what runs, when, and the wrapper that records every run.

Why schedules live in code and not in APScheduler's SQLAlchemyJobStore: a job store pickles each job's
callable and trigger, and deletes jobs it cannot unpickle after a release renames something; the run
times here derive from settings and the working calendar anyway. So the code is the single source of
what runs when, any process (the dashboard too) can compute the next run times without asking the
scheduler, and PostgreSQL holds only what people change at run time: pause state and run-now requests
(`queries.scheduling.store`), plus the settings the times come from (`queries.settings`).

`run_job` is the one way a job runs (scheduled, run-now, or the command line): it opens a `job_run`
row (refused if the job is already running anywhere), checks the working day and the pause state,
calls the job, and closes the row with the outcome or the error.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine

from jobs.scheduling import daily as daily_work
from jobs.scheduling.daily import Outcome
from queries.accounts.audit import Actor
from queries.calendar import WorkingCalendar, calendar_from_db
from queries.scheduling import store
from queries.settings import Settings, current_settings

log = logging.getLogger(__name__)
ACTOR = Actor.system("scheduler")


def _inbox(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    from jobs.imports.inbox import pickup

    result = pickup(engine, actor=actor, now=now)
    if result.left:
        raise RuntimeError(result.message + "; tertinggal: " + "; ".join(result.left))
    return Outcome(len(result.imported) + len(result.rejected) + len(result.duplicates), result.message)


def _distribution(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    from jobs.distribution.deliver import deliver_pending

    return deliver_pending(engine, now, actor=actor)


def _daily_report(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    from jobs.documents.daily_report import daily_report_job

    return daily_report_job(engine, now, actor=actor)


def _mail(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    from jobs.mail.send import mail_job
    from jobs.reconciliation.bank_results import dispatch_results

    dispatch_results(engine, now, actor=actor)  # safety net: results approved or given an address since
    return mail_job(engine, now, actor=actor)


def _alerts(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    from jobs.alerts import alerts_job

    return alerts_job(engine, now, actor=actor)


def _search_index(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    """Build the payment trace's billing code, NTB and NPWP indexes on partitions still without them."""
    from queries.monitoring.search_index import build_search_indexes

    done = build_search_indexes(engine)
    listed = ", ".join(f"{d:%d/%m/%Y}" for d in done[:5]) + (" ..." if len(done) > 5 else "")
    return Outcome(len(done), f"indeks pencarian dibuat untuk {len(done)} tanggal buku{': ' + listed if done else ''}")


def _alerts_digest(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
    from jobs.alerts import digest_job

    return digest_job(engine, now, actor=actor)


def _with_results(work: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """`work` (a reconciliation job), then each bank's result of what it reconciled, queued and sent at once
    (PER-78 Ps.11(2): within the hour of the batch; `jobs.reconciliation.bank_results`)."""

    def run(engine: Engine, now: datetime, *, actor: Actor) -> Outcome:
        from jobs.reconciliation.bank_results import dispatch_and_send

        outcome = work(engine, now, actor=actor)
        sent = dispatch_and_send(engine, now, actor=actor)
        return outcome if not sent.rows else Outcome(outcome.rows, f"{outcome.message}; {sent.message}")

    run.__doc__ = work.__doc__
    return run


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One job: id, Indonesian title and description, the work, and its trigger (from the settings)."""

    job_id: str
    title: str
    description: str
    work: Callable[..., Outcome]
    trigger: Callable[[Settings, ZoneInfo], BaseTrigger]
    working_days_only: bool = False
    misfire_grace_seconds: int = 300

    def schedule_text(self, settings: Settings) -> str:
        """When it runs, in words."""
        return SCHEDULE_TEXT[self.job_id](settings)


def _statement_time(settings: Settings) -> tuple[int, int]:
    """Five minutes after the statement deadline."""
    moment = datetime.combine(datetime(2000, 1, 3).date(), settings.statement_deadline_time) + timedelta(minutes=5)
    return moment.hour, moment.minute


JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        "inbox",
        "Ambil berkas dari inbox",
        "Mengimpor berkas MPN, batch bank dan surat pernyataan yang diletakkan di folder inbox, lalu "
        "memindahkannya ke arsip atau ke folder tolak.",
        _inbox,
        lambda s, tz: IntervalTrigger(minutes=1, timezone=tz),
        misfire_grace_seconds=50,
    ),
    JobSpec(
        "reconcile_arrivals",
        "Rekonsiliasi batch yang baru tiba",
        "Merekonsiliasi setiap bank begitu batch-nya tiba (setelah cut-off bank), dan tanggal yang data "
        "MPN-nya bertambah.",
        _with_results(daily_work.reconcile_arrivals),
        lambda s, tz: IntervalTrigger(minutes=2, timezone=tz),
        misfire_grace_seconds=100,
    ),
    JobSpec(
        "reconcile_deadline",
        "Rekonsiliasi semua bank setelah batas batch",
        "Setelah batas penyampaian batch 16:00 WIB: merekonsiliasi semua bank tanggal buku hari itu dan "
        "menandai bank yang batch-nya belum diterima.",
        _with_results(daily_work.reconcile_after_deadline),
        lambda s, tz: CronTrigger(day_of_week="mon-fri", hour=16, minute=5, timezone=tz),
        working_days_only=True,
        misfire_grace_seconds=3 * 3600,
    ),
    JobSpec(
        "statements",
        "Surat pernyataan dan konsep surat himbauan",
        "Setelah batas surat pernyataan: memperbarui status surat pernyataan tanggal buku yang jatuh tempo "
        "dan membuat konsep Surat Himbauan untuk bank yang belum menyampaikannya.",
        _with_results(daily_work.statements_after_deadline),
        lambda s, tz: CronTrigger(
            day_of_week="mon-fri", hour=_statement_time(s)[0], minute=_statement_time(s)[1], timezone=tz
        ),
        working_days_only=True,
        misfire_grace_seconds=3 * 3600,
    ),
    JobSpec(
        "distribution",
        "Distribusi ke SIDJP dan SIPMOD",
        "Mengirim batch distribusi yang sudah disetujui dua tingkat dan belum terkonfirmasi (termasuk yang "
        "gagal: distribusi ulang otomatis sampai semua terkonfirmasi).",
        _distribution,
        lambda s, tz: IntervalTrigger(minutes=2, timezone=tz),
        misfire_grace_seconds=100,
    ),
    JobSpec(
        "daily_report",
        "Laporan harian (PDF dan XLSX)",
        "Pada akhir hari kerja: membuat dan menyimpan laporan harian distribusi dan monitoring (SE-127 langkah "
        "18) untuk tanggal buku yang surat pernyataannya jatuh tempo dan didistribusikan hari itu.",
        _daily_report,
        lambda s, tz: CronTrigger(
            day_of_week="mon-fri", hour=s.daily_report_time.hour, minute=s.daily_report_time.minute, timezone=tz
        ),
        working_days_only=True,
        misfire_grace_seconds=3 * 3600,
    ),
    JobSpec(
        "mail",
        "Kirim surat elektronik",
        "Mengirim pesan di kotak keluar yang sudah jatuh waktu lewat server surat (MPN_SMTP_URL); yang ditolak "
        "sementara dicoba lagi dengan jeda 1, 2, 4 ... menit.",
        _mail,
        lambda s, tz: IntervalTrigger(minutes=1, timezone=tz),
        misfire_grace_seconds=50,
    ),
    JobSpec(
        "alerts",
        "Peringatan tenggat",
        "Memeriksa setiap aturan peringatan (batch, surat pernyataan, hasil rekonsiliasi, distribusi, berkas "
        "ditolak, penjadwal): membuka yang lewat batas, menutup yang sudah dikerjakan, mengirim surel pelanggan.",
        _alerts,
        lambda s, tz: IntervalTrigger(minutes=1, timezone=tz),
        misfire_grace_seconds=50,
    ),
    JobSpec(
        "alerts_digest",
        "Ringkasan peringatan pagi",
        "Pukul 08:00 WIB pada hari kerja: surel ringkasan peringatan yang masih terbuka dan terlambat kepada "
        "peran yang berlangganan.",
        _alerts_digest,
        lambda s, tz: CronTrigger(day_of_week="mon-fri", hour=8, minute=0, timezone=tz),
        working_days_only=True,
        misfire_grace_seconds=3 * 3600,
    ),
    JobSpec(
        "search_index",
        "Indeks pencarian Lacak pembayaran",
        "Membuat indeks kode billing, NTB/NTP dan NPWP pada data MPN tanggal buku yang baru diimpor, agar Lacak "
        "pembayaran menemukannya di semua tanggal buku tanpa memperlambat impor.",
        _search_index,
        lambda s, tz: IntervalTrigger(minutes=5, timezone=tz),
        misfire_grace_seconds=250,
    ),
)
BY_ID = {job.job_id: job for job in JOBS}
SCHEDULE_TEXT: dict[str, Callable[[Settings], str]] = {
    "inbox": lambda s: "setiap menit",
    "reconcile_arrivals": lambda s: "setiap 2 menit",
    "reconcile_deadline": lambda s: "hari kerja 16:05",
    "statements": lambda s: "hari kerja {:02d}:{:02d}".format(*_statement_time(s)),
    "distribution": lambda s: "setiap 2 menit",
    "daily_report": lambda s: f"hari kerja {s.daily_report_time:%H:%M}",
    "mail": lambda s: "setiap menit",
    "alerts": lambda s: "setiap menit",
    "alerts_digest": lambda s: "hari kerja 08:00",
    "search_index": lambda s: "setiap 5 menit",
}


def next_run(
    job: JobSpec, settings: Settings, tz: ZoneInfo, now: datetime, calendar: WorkingCalendar | None = None
) -> datetime | None:
    """The job's next run after `now`; working-day jobs skip weekends and holidays (`calendar`, default the
    national one: pass `calendar_from_db(conn)` to skip the master non-working days too)."""
    calendar = calendar or WorkingCalendar()
    trigger = job.trigger(settings, tz)
    moment = trigger.get_next_fire_time(None, now)
    for _ in range(60):
        if moment is None or not job.working_days_only or calendar.is_working(moment.astimezone(tz).date()):
            return moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return moment


@dataclass(frozen=True, slots=True)
class JobBoard:
    """What the jobs table shows, read in one go: pause state, runs in progress, run-now requests waiting,
    last runs, success rates over 7 and 30 days, next runs and schedules in words."""

    paused: set[str]
    running: set[str]
    requested: set[str]
    last: dict[str, store.JobRun]
    week: dict[str, store.JobStats]
    month: dict[str, store.JobStats]
    next_runs: dict[str, datetime | None]
    schedules: dict[str, str]


def job_board(conn: Connection, *, now: datetime, tz: ZoneInfo) -> JobBoard:
    """The jobs table's data on one connection; next runs skip weekends, holidays and master days off."""
    settings, calendar = current_settings(conn), calendar_from_db(conn)
    return JobBoard(
        paused=store.paused_jobs(conn),
        running=store.jobs_running(conn),
        requested=store.open_requests(conn),
        last={job.job_id: runs[0] for job in JOBS if (runs := store.recent_runs(conn, job_id=job.job_id, limit=1))},
        week=store.job_stats(conn, since=now - timedelta(days=7)),
        month=store.job_stats(conn, since=now - timedelta(days=30)),
        next_runs={job.job_id: next_run(job, settings, tz, now, calendar) for job in JOBS},
        schedules={job.job_id: job.schedule_text(settings) for job in JOBS},
    )


@dataclass(frozen=True, slots=True)
class RunResult:
    """What `run_job` did: the run's id and status (None when the job was already running)."""

    run_id: int | None
    status: str
    message: str


def run_job(
    engine: Engine,
    job_id: str,
    *,
    instance_id: str,
    trigger: str = "schedule",
    scheduled_for: datetime | None = None,
    requested_by: str | None = None,
    now: datetime | None = None,
) -> RunResult:
    """Run one job and record it. Scheduled runs of a paused job, and of a working-day job on a day off,
    are recorded `skipped`; run-now requests run regardless. Never raises for the job's own errors: they
    are recorded `failed` with the traceback's last lines."""
    job = BY_ID[job_id]
    tz = _zone()
    now = now or datetime.now(tz)
    scheduled_for = scheduled_for or now
    with engine.begin() as conn:
        calendar = calendar_from_db(conn)
        paused = job_id in store.paused_jobs(conn)
        reason = None
        if trigger == "schedule" and paused:
            reason = "Dijeda"
        elif trigger == "schedule" and job.working_days_only and not calendar.is_working(now.astimezone(tz).date()):
            reason = f"Bukan hari kerja ({calendar.holiday_name(now.astimezone(tz).date())})"
        if reason is not None:
            run_id = store.skipped_run(
                conn,
                job_id=job_id,
                trigger=trigger,
                scheduled_for=scheduled_for,
                instance_id=instance_id,
                reason=reason,
            )
            return RunResult(run_id, "skipped", reason)
        try:
            run_id = store.start_run(
                conn,
                job_id=job_id,
                trigger=trigger,
                scheduled_for=scheduled_for,
                instance_id=instance_id,
                requested_by=requested_by,
            )
        except store.AlreadyRunning:
            return RunResult(None, "running", "Masih berjalan")
    log.info("job %s started (run %d, %s)", job_id, run_id, trigger)
    try:
        outcome = job.work(engine, now, actor=ACTOR)
    except Exception as err:  # noqa: BLE001 - every failure of the job is recorded, none stops the scheduler
        log.exception("job %s failed", job_id)
        text_ = "".join(traceback.format_exception(err)[-6:])
        with engine.begin() as conn:
            store.finish_run(conn, run_id, status="failed", message=str(err)[:500], error=text_)
        return RunResult(run_id, "failed", str(err))
    with engine.begin() as conn:
        store.finish_run(conn, run_id, status="succeeded", rows=outcome.rows, message=outcome.message)
    log.info("job %s succeeded (run %d): %s", job_id, run_id, outcome.message)
    return RunResult(run_id, "succeeded", outcome.message)


def _zone() -> ZoneInfo:
    from queries import config

    return config.timezone()


def settings_of(engine: Engine) -> Settings:
    """The current settings (the triggers' times)."""
    with engine.connect() as conn:
        return current_settings(conn)
