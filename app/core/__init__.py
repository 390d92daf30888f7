"""Shared pieces: database types, errors, i18n, audit log, mail outbox."""
