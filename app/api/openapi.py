"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

DATE = {"type": "string", "format": "date", "example": "2026-11-27"}
MOMENT = {"type": "string", "format": "date-time", "example": "2026-11-27T10:00:00+05:00"}


def _error(*codes):
    return {
        "description": ", ".join(codes),
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string", "enum": list(codes)}},
                }
            }
        },
    }


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SLOT = {
    "type": "object",
    "required": ["id", "starts_at", "ends_at", "capacity", "free"],
    "properties": {
        "id": {"type": "integer"},
        "starts_at": MOMENT,
        "ends_at": MOMENT,
        "capacity": {"type": "integer", "minimum": 0},
        "free": {"type": "integer", "minimum": 0},
    },
}

DAY = {
    "type": "object",
    "required": ["date", "starts_at", "ends_at", "status", "location", "seats_total", "seats_free"],
    "properties": {
        "date": DATE,
        "starts_at": MOMENT,
        "ends_at": MOMENT,
        "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
        "location": {"type": "string"},
        "seats_total": {"type": "integer"},
        "seats_free": {"type": "integer"},
    },
}

NEW_BOOKING = {
    "type": "object",
    "required": ["slot_id", "full_name", "category", "phone", "topic", "consent"],
    "properties": {
        "slot_id": {"type": "integer"},
        "full_name": {"type": "string", "maxLength": 200},
        "category": {"type": "string", "enum": ["citizen", "npo", "business", "party"]},
        "organization": {
            "type": ["string", "null"],
            "maxLength": 200,
            "description": "required for npo, business and party",
        },
        "district": {"type": ["string", "null"], "description": "a district code, e.g. nura"},
        "phone": {"type": "string", "example": "8 701 123 45 67"},
        "email": {"type": ["string", "null"], "format": "email"},
        "topic": {"type": "string", "enum": ["progress", "problem", "proposal"]},
        "message": {"type": ["string", "null"], "maxLength": 2000},
        "language": {"type": "string", "enum": ["ru", "kk"]},
        "consent": {"type": "boolean", "const": True},
    },
}

BOOKING = {
    "type": "object",
    "required": ["code", "status", "date", "slot"],
    "properties": {
        "code": {"type": "string"},
        "status": {"type": "string", "enum": ["confirmed", "cancelled", "checked_in", "no_show"]},
        "date": DATE,
        "slot": {"oneOf": [SLOT, {"type": "null"}]},
        "full_name": {"type": "string"},
        "category": {"type": "string"},
        "organization": {"type": ["string", "null"]},
        "district": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "topic": {"type": "string"},
        "message": {"type": ["string", "null"]},
        "language": {"type": "string"},
        "created_at": MOMENT,
    },
}

VALIDATION = {
    "description": "validation: messages per field, in the request's language",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error", "fields"],
                "properties": {
                    "error": {"const": "validation"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        }
    },
}

MANAGE_TOKEN = {
    "name": "X-Manage-Token",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "the manage_token returned when the booking was made",
}
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
DATE_PARAM = {"name": "date", "in": "path", "required": True, "schema": DATE}
BEARER = [{"bearer": []}]
STAFF_ERRORS = {
    "401": _error("unauthorized"),
    "403": _error("forbidden"),
}

CHECKIN = {
    "type": "object",
    "required": ["code", "status", "checked_in_at"],
    "properties": {
        "code": {"type": "string"},
        "status": {"const": "checked_in"},
        "checked_in_at": MOMENT,
        "full_name": {"type": "string"},
        "already": {"type": "boolean", "description": "true when the visitor had arrived before"},
    },
}

ATTENDANCE = {
    "type": "object",
    "required": ["booked", "checked_in", "walk_ins", "no_show"],
    "properties": {
        "booked": {"type": "integer", "description": "active bookings, walk-ins not counted"},
        "checked_in": {"type": "integer", "description": "everyone who arrived, walk-ins too"},
        "walk_ins": {"type": "integer"},
        "no_show": {"type": "integer"},
    },
}


def staff_paths():
    return {
        "/api/checkins": {
            "post": {
                "summary": "Check a visitor in by booking code (idempotent)",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["code"],
                                "properties": {
                                    "code": {"type": "string", "example": "ACD347"},
                                    "date": {**DATE, "description": "the Day; default today"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(CHECKIN),
                    **STAFF_ERRORS,
                    "400": _error("invalid_json", "bad_request"),
                    "404": _error("not_found"),
                    "409": {
                        "description": "cancelled, or a booking of another Day (its date)",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["error"],
                                    "properties": {
                                        "error": {"enum": ["cancelled", "wrong_day"]},
                                        "date": DATE,
                                    },
                                }
                            }
                        },
                    },
                    "415": _error("unsupported_media_type"),
                    "422": VALIDATION,
                },
            }
        },
        "/api/days/{date}/attendance": {
            "get": {
                "summary": "A Day's counters",
                "security": BEARER,
                "parameters": [DATE_PARAM],
                "responses": {"200": _json(ATTENDANCE), **STAFF_ERRORS, "404": _error("not_found")},
            }
        },
    }


def _with_common_errors(paths):
    """Any request carrying text no database can store (NUL, lone surrogates) answers 400."""
    for operations in paths.values():
        for operation in operations.values():
            operation["responses"].setdefault("400", _error("bad_request"))
    return paths


def spec():
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Civil Initiatives Day API",
            "version": "1.0.0",
            "description": (
                "Days, slots and bookings of the Civil Initiatives Day of the Karaganda "
                "regional Project Office. Times are ISO 8601 with their Asia/Almaty offset. "
                "Every error is JSON with an `error` code. `?lang=ru|kk` picks the language "
                "of messages."
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a staff token from `flask users token EMAIL`",
                }
            }
        },
        "paths": _with_common_errors(
            {
                **staff_paths(),
                "/api/days": {
                    "get": {
                        "summary": "Days from a date",
                        "parameters": [
                            {"name": "from", "in": "query", "required": False, "schema": DATE}
                        ],
                        "responses": {
                            "200": _json(
                                {
                                    "type": "object",
                                    "required": ["days"],
                                    "properties": {"days": {"type": "array", "items": DAY}},
                                }
                            ),
                            "422": VALIDATION,
                        },
                    }
                },
                "/api/days/{date}/slots": {
                    "get": {
                        "summary": "A Day's slots with free seats",
                        "parameters": [DATE_PARAM],
                        "responses": {
                            "200": _json(
                                {
                                    "type": "object",
                                    "required": ["date", "slots"],
                                    "properties": {
                                        "date": DATE,
                                        "slots": {"type": "array", "items": SLOT},
                                    },
                                }
                            ),
                            "404": _error("not_found"),
                        },
                    }
                },
                "/api/bookings": {
                    "post": {
                        "summary": "Book a seat in a slot",
                        "requestBody": {
                            "required": True,
                            "content": {"application/json": {"schema": NEW_BOOKING}},
                        },
                        "responses": {
                            "201": _json(
                                {
                                    "type": "object",
                                    "required": ["code", "manage_token", "status", "slot"],
                                    "properties": {
                                        "code": {"type": "string"},
                                        "manage_token": {"type": "string"},
                                        "status": {"const": "confirmed"},
                                        "slot": SLOT,
                                    },
                                },
                                "booked",
                            ),
                            "400": _error("invalid_json", "bad_request"),
                            "404": _error("not_found"),
                            "409": _error("slot_full", "duplicate", "closed"),
                            "415": _error("unsupported_media_type"),
                            "422": VALIDATION,
                            "429": _error("rate_limited"),
                        },
                    }
                },
                "/api/bookings/{code}": {
                    "get": {
                        "summary": "A booking, for its holder",
                        "parameters": [CODE, MANAGE_TOKEN],
                        "responses": {"200": _json(BOOKING), "404": _error("not_found")},
                    },
                    "delete": {
                        "summary": "Cancel a booking (frees the seat at once)",
                        "parameters": [CODE, MANAGE_TOKEN],
                        "responses": {
                            "200": _json(
                                {
                                    "type": "object",
                                    "required": ["status"],
                                    "properties": {"status": {"const": "cancelled"}},
                                }
                            ),
                            "404": _error("not_found"),
                            "409": _error("closed"),
                            "429": _error("rate_limited"),
                        },
                    },
                },
            }
        ),
    }
