"""The proposal form: public (a visitor attaching one) and staff (desk, district, office)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.bookings.forms import EmailAddress, PhoneNumber
from app.core.forms import ChoiceField, Form
from app.core.i18n import localized
from app.core.text import clean_name
from app.places.services import active_districts

from . import services
from .models import TITLES, Initiator, Kind, Scale, SpecialProject, Status, Subprogram

REQUIRED = _l("Required field.")


def _choices(enum_cls):
    return [(member.value, TITLES[enum_cls][member]) for member in enum_cls]


def _text(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _block(value):
    return value.strip() if isinstance(value, str) else value


class ProposalForm(Form):
    # The defaults fill a field the JSON API leaves out; a page starts every select empty.
    kind = ChoiceField(_l("Kind"), choices=_choices(Kind), default="project")
    title = StringField(
        _l("Title"), filters=[_text], validators=[DataRequired(REQUIRED), Length(max=300)]
    )
    description = TextAreaField(_l("Description"), filters=[_block], validators=[Length(max=10000)])
    subprogram = ChoiceField(_l("Subprogram"), choices=_choices(Subprogram))
    special_project = SelectField(
        _l("Special project"),
        choices=[("", _l("— none —")), *_choices(SpecialProject)],
        default="",
    )
    district = ChoiceField(
        _l("District or city"), validate_choice=False, message=_l("Choose the district or city.")
    )
    scale = ChoiceField(_l("It matters for"), choices=_choices(Scale), default="district")
    initiator_type = ChoiceField(_l("Initiator"), choices=_choices(Initiator), default="citizen")
    initiator_name = StringField(_l("Initiator's name or organisation"), filters=[clean_name],
                                 validators=[DataRequired(REQUIRED), Length(max=200)])  # fmt: skip
    phone = StringField(_l("Phone"), validators=[Length(max=40), PhoneNumber()])
    email = StringField(_l("E-mail (optional)"), validators=[Length(max=254), EmailAddress()])
    expected_result = TextAreaField(
        _l("Expected measurable result"), filters=[_block], validators=[Length(max=5000)],
        description=_l("Projects: what will change, and how it will be measured."),
    )  # fmt: skip
    starts_on = DateField(_l("Start"), validators=[Optional()])
    ends_on = DateField(_l("End"), validators=[Optional()])
    event_date = DateField(_l("Date of the event"), validators=[Optional()])
    people_involved = IntegerField(
        _l("People involved"), validators=[Optional(), NumberRange(0, 10_000_000)]
    )
    funding_amount = DecimalField(
        _l("Funding needed, tenge"), places=2, validators=[Optional(), NumberRange(0, 10**12)]
    )
    funding_source = StringField(
        _l("Source of funding"), filters=[_text], validators=[Optional(), Length(max=200)]
    )
    funding_justification = TextAreaField(_l("Justification and calculation"), filters=[_block],
                                          validators=[Optional(), Length(max=5000)])  # fmt: skip
    is_charity = BooleanField(_l("Charity or patronage"))
    responsible = StringField(
        _l("Responsible person"), filters=[_text], validators=[Optional(), Length(max=200)]
    )

    def __init__(self, *args, fixed_district=None, **kwargs):
        super().__init__(*args, **kwargs)
        districts = active_districts()
        self._districts = {d.code: d for d in districts}
        self.fixed_district = fixed_district
        self.district.choices = [(d.code, localized(d)) for d in districts]
        if fixed_district is not None:
            self.district.data = fixed_district.code

    def validate_district(self, field):
        if self.fixed_district is not None:
            field.data = self.fixed_district.code
        if field.data not in self._districts:
            raise ValidationError(_l("Unknown district."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.kind.data == Kind.project.value:
            if not (self.expected_result.data or "").strip():
                message = _l("A project needs a measurable expected result.")
                self.expected_result.errors = [*self.expected_result.errors, message]
                valid = False
            for name in ("starts_on", "ends_on"):
                field = getattr(self, name)
                if field.data is None and not field.errors:
                    field.errors = [*field.errors, _l("A project needs its period.")]
                    valid = False
            if (
                self.starts_on.data
                and self.ends_on.data
                and self.ends_on.data < self.starts_on.data
            ):
                self.ends_on.errors = [*self.ends_on.errors, _l("The end is before the start.")]
                valid = False
        elif self.kind.data == Kind.event.value and self.event_date.data is None:
            if not self.event_date.errors:
                self.event_date.errors = [*self.event_date.errors, _l("An event needs its date.")]
            valid = False
        return valid

    def draft(self, language):
        project = self.kind.data == Kind.project.value
        return services.Draft(
            kind=Kind(self.kind.data),
            title=self.title.data,
            description=self.description.data or "",
            subprogram=Subprogram(self.subprogram.data),
            special_project=SpecialProject(self.special_project.data)
            if self.special_project.data
            else None,
            district_id=self._districts[self.district.data].id,
            scale=Scale(self.scale.data),
            initiator_type=Initiator(self.initiator_type.data),
            initiator_name=self.initiator_name.data,
            phone=self.phone.data or None,
            email=self.email.data or None,
            language=language,
            expected_result=(self.expected_result.data or None) if project else None,
            starts_on=self.starts_on.data if project else None,
            ends_on=self.ends_on.data if project else None,
            event_date=None if project else self.event_date.data,
            people_involved=self.people_involved.data,
            funding_amount=self.funding_amount.data,
            funding_source=self.funding_source.data or None,
            funding_justification=self.funding_justification.data or None,
            is_charity=bool(self.is_charity.data),
            responsible=self.responsible.data or None,
        )

    def fill_from(self, proposal):
        for name in services.EDITABLE:
            if name == "district_id":
                self.district.data = proposal.district.code
            elif name == "special_project":
                self.special_project.data = (
                    proposal.special_project.value if proposal.special_project else ""
                )
            else:
                value = getattr(proposal, name)
                getattr(self, name).data = value.value if hasattr(value, "value") else value


class StatusForm(Form):
    status = ChoiceField(
        _l("New status"), choices=_choices(Status), message=_l("Choose the new status.")
    )
    reason = TextAreaField(
        _l("Reason (for a rejection)"), validators=[Optional(), Length(max=5000)]
    )
    merged_into = StringField(_l("Merged into (number)"), validators=[Optional(), Length(max=20)])


class NoteForm(Form):
    note = TextAreaField(_l("Note"), validators=[DataRequired(REQUIRED), Length(max=5000)])
