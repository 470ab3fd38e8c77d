"""Intake: bringing returns in (folder, saved mails, IMAP), guarding and reading untrusted workbooks."""
