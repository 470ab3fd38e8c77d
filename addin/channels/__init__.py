"""Channels: building messages and delivering them (SMTP, the .eml outbox)."""
