"""The reception desk: check-in by code, QR or name, walk-ins, no-shows, visit notes."""
