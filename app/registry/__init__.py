"""The registry of projects and proposals: intake, routing, review, exports, reports."""
