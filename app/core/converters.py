"""URL converters: a malformed value matches no route, so it answers 404."""

from werkzeug.routing import BaseConverter, ValidationError

from .params import to_date


class IsoDateConverter(BaseConverter):
    """``YYYY-MM-DD`` as a real calendar date (1900–2199)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        try:
            return to_date(value)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value):
        return value.isoformat()
