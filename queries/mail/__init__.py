"""The mail outbox: every e-mail is first a row here, then sent by `jobs.mail.send.send`."""
