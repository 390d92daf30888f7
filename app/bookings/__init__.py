"""Public booking: book, confirm, cancel or move, .ics and mail."""
