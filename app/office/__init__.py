"""The Project Office's work across domains: personal-data requests and retention, and (as
they move here) Day edits with bookings, statistics and the staff home."""
