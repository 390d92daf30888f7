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


QUOTAS = {
    "type": "object",
    "required": ["date", "districts"],
    "properties": {
        "date": DATE,
        "districts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "delegate_min", "delegate_target", "registered",
                             "attended", "status"],
                "properties": {
                    "code": {"type": "string"},
                    "delegate_min": {"type": "integer"},
                    "delegate_target": {"type": "integer"},
                    "registered": {"type": "integer"},
                    "attended": {"type": "integer"},
                    "status": {"enum": ["met", "on_track", "below", None]},
                },
            },
        },
    },
}  # fmt: skip

DELEGATE = {
    "type": "object",
    "required": ["full_name", "position", "phone", "role"],
    "properties": {
        "district": {
            "type": "string",
            "description": "a district code; required for an admin, a coordinator's own by default",
        },
        "full_name": {"type": "string", "maxLength": 200},
        "position": {"type": "string", "maxLength": 200},
        "organization": {"type": ["string", "null"]},
        "phone": {"type": "string"},
        "email": {"type": ["string", "null"]},
        "role": {"enum": ["project_lead", "npo"]},
        "slot_id": {"type": ["integer", "null"], "description": "none: outside the slots"},
    },
}

PROPOSAL_IN = {
    "type": "object",
    "required": ["kind", "title", "subprogram", "district", "scale", "initiator_type",
                 "initiator_name"],
    "properties": {
        "kind": {"enum": ["project", "event"]},
        "title": {"type": "string", "maxLength": 300},
        "description": {"type": ["string", "null"]},
        "subprogram": {"enum": ["tarbie", "atameken", "rukhani_kazyna", "akparat"]},
        "special_project": {"enum": ["tugan_zher", "sacred_geography", "modern_culture",
                                     "textbooks_100", "new_faces_100", "latin_alphabet", None]},
        "district": {"type": "string"},
        "scale": {"enum": ["district", "region"]},
        "initiator_type": {"enum": ["akimat", "citizen", "npo", "business", "party"]},
        "initiator_name": {"type": "string"},
        "phone": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "expected_result": {"type": ["string", "null"], "description": "projects"},
        "starts_on": {**DATE, "description": "projects"},
        "ends_on": {**DATE, "description": "projects"},
        "event_date": {**DATE, "description": "events"},
        "people_involved": {"type": ["integer", "null"]},
        "funding_amount": {"type": ["number", "string", "null"]},
        "funding_source": {"type": ["string", "null"]},
        "is_charity": {"type": "boolean"},
        "booking_code": {"type": ["string", "null"]},
    },
}  # fmt: skip

DELEGATE_OUT = {
    "type": "object",
    "required": ["code", "manage_token", "status", "district", "full_name", "role", "slot"],
    "properties": {
        "code": {"type": "string"},
        "manage_token": {"type": "string"},
        "status": {"enum": ["confirmed"]},
        "district": {"type": "string"},
        "full_name": {"type": "string"},
        "role": {"enum": ["project_lead", "npo"]},
        "slot": {"oneOf": [SLOT, {"type": "null"}]},
    },
}

PROPOSAL_OUT = {
    "type": "object",
    "required": ["number", "registry", "status", "kind", "title", "district"],
    "properties": {
        "number": {"type": "string", "example": "REG-2026-0007"},
        "registry": {"enum": ["district", "regional"]},
        "status": {"enum": ["submitted", "under_review", "accepted", "rejected", "merged",
                            "in_progress", "done"]},
        "kind": {"enum": ["project", "event"]},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "subprogram": {"enum": ["tarbie", "atameken", "rukhani_kazyna", "akparat"]},
        "special_project": {"enum": ["tugan_zher", "sacred_geography", "modern_culture",
                                     "textbooks_100", "new_faces_100", "latin_alphabet", None]},
        "district": {"type": "string"},
        "scale": {"enum": ["district", "region"]},
        "initiator_type": {"enum": ["akimat", "citizen", "npo", "business", "party"]},
        "initiator_name": {"type": "string"},
        "expected_result": {"type": ["string", "null"]},
        "starts_on": {"oneOf": [DATE, {"type": "null"}]},
        "ends_on": {"oneOf": [DATE, {"type": "null"}]},
        "event_date": {"oneOf": [DATE, {"type": "null"}]},
        "people_involved": {"type": ["integer", "null"]},
        "funding_amount": {"type": ["string", "null"], "description": "tenge, e.g. \"1500.00\""},
        "funding_source": {"type": ["string", "null"]},
        "is_charity": {"type": "boolean"},
        "funding_late": {"type": "boolean",
                         "description": "next year's funding received after 30 September"},
        "origin": {"enum": ["booking", "district", "office"]},
        "booking_code": {"type": ["string", "null"]},
        "reason": {"type": ["string", "null"]},
        "merged_into": {"type": ["string", "null"]},
        "created_at": MOMENT,
    },
}  # fmt: skip


def district_and_registry_paths():
    validation = {"422": VALIDATION}
    return {
        "/api/days/{date}/quotas": {
            "get": {
                "summary": "Each district's delegates and quota status for a Day",
                "security": BEARER,
                "parameters": [DATE_PARAM],
                "responses": {"200": _json(QUOTAS), **STAFF_ERRORS, "404": _error("not_found")},
            }
        },
        "/api/days/{date}/delegates": {
            "post": {
                "summary": "Register a district's delegate for a Day",
                "security": BEARER,
                "parameters": [DATE_PARAM],
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": DELEGATE}}},
                "responses": {
                    "201": _json(DELEGATE_OUT, "registered"),
                    **STAFF_ERRORS,
                    "400": _error("invalid_json", "bad_request"),
                    "404": _error("not_found"),
                    "409": _error("duplicate", "closed", "slot_full"),
                    "415": _error("unsupported_media_type"),
                    "422": {**VALIDATION, "description": "validation or inactive_district"},
                },
            }
        },
        "/api/registry": {
            "get": {
                "summary": "Registry entries (filters registry, district, status, kind)",
                "security": BEARER,
                "parameters": [
                    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                    for name in ("registry", "district", "status", "kind", "subprogram", "q")
                ] + [
                    {"name": "page", "in": "query", "required": False,
                     "schema": {"type": "integer"}},
                    {"name": "per_page", "in": "query", "required": False,
                     "schema": {"type": "integer", "maximum": 500}},
                ],
                "responses": {
                    "200": _json({"type": "object",
                                  "required": ["proposals", "total", "page", "per_page"],
                                  "properties": {"proposals": {"type": "array",
                                                               "items": PROPOSAL_OUT},
                                                 "total": {"type": "integer"},
                                                 "page": {"type": "integer", "minimum": 1},
                                                 "per_page": {"type": "integer", "minimum": 1}}}),
                    **STAFF_ERRORS,
                    **validation,
                },
            }
        },
        "/api/registry.xlsx": {
            "get": {
                "summary": "The registry form as XLSX (same filters)",
                "security": BEARER,
                "responses": {
                    "200": {"description": "XLSX", "content": {
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
                    **STAFF_ERRORS,
                },
            }
        },
        "/api/proposals": {
            "post": {
                "summary": "Enter a proposal; it is routed and numbered",
                "security": BEARER,
                "requestBody": {"required": True,
                                "content": {"application/json": {"schema": PROPOSAL_IN}}},
                "responses": {
                    "201": _json(PROPOSAL_OUT, "registered"),
                    **STAFF_ERRORS,
                    "400": _error("invalid_json", "bad_request"),
                    "415": _error("unsupported_media_type"),
                    **validation,
                },
            }
        },
        "/api/proposals/{number}/status": {
            "post": {
                "summary": "Move an entry along the review workflow",
                "security": BEARER,
                "parameters": [{"name": "number", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status"],
                    "properties": {"status": {"type": "string"}, "reason": {"type": "string"},
                                   "merged_into": {"type": "string"}}}}}},
                "responses": {
                    "200": _json(PROPOSAL_OUT),
                    **STAFF_ERRORS,
                    "400": _error("invalid_json", "bad_request"),
                    "404": _error("not_found"),
                    "409": {"description": "transition: not allowed from the current status",
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["error"],
                                "properties": {"error": {"const": "transition"},
                                               "allowed": {"type": "array"}}}}}},
                    "415": _error("unsupported_media_type"),
                    **validation,
                },
            }
        },
    }  # fmt: skip


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
                **district_and_registry_paths(),
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
