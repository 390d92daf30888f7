"""The Project Office's work across domains: personal-data requests and retention, and (as
they move here) Day edits with bookings, statistics and the staff home."""

# The messages page registers its route on the office blueprint.
from . import messages as _messages  # noqa: F401
