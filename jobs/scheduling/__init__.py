"""The scheduler: its job definitions, the APScheduler process, and the daily work on the calendar."""
