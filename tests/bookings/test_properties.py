"""Property tests (Hypothesis) of phone normalisation and booking codes."""

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.bookings import services
from app.bookings.services import CODE_ALPHABET, CODE_LENGTH, clean_code, new_code, normalize_phone

OPERATORS = ["700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778"]
E164 = re.compile(r"^\+\d{8,15}$")

FAST = settings(max_examples=200, deadline=None)
# new_code() reads the database: fewer examples, and the app_ctx fixture is shared by them
# on purpose (nothing is written, so one clean database serves every example).
WITH_DB = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

operators = st.sampled_from(OPERATORS)
subscribers = st.text(alphabet="0123456789", min_size=7, max_size=7)
codes = st.text(alphabet=CODE_ALPHABET, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


# --- normalize_phone ---------------------------------------------------------------------


def usual_spellings(operator, digits):
    """8 7XX XXX XX XX, +7 (7XX) XXX-XX-XX, 87XXXXXXXXX and +7 7XX XXX XXXX."""
    a, b, c = digits[:3], digits[3:5], digits[5:]
    return [
        f"8 {operator} {a} {b} {c}",
        f"+7 ({operator}) {a}-{b}-{c}",
        f"8{operator}{digits}",
        f"+7 {operator} {a} {digits[3:]}",
    ]


@st.composite
def typed_numbers(draw):
    """A Kazakhstan mobile number as someone might type it, with the E.164 it stands for."""
    operator, digits = draw(operators), draw(subscribers)
    prefix = draw(st.sampled_from(["8", "+7", "7", "+ 7"]))
    shown_operator = f"({operator})" if draw(st.booleans()) else operator
    groups = draw(
        st.sampled_from(
            [
                [digits],
                [digits[:3], digits[3:]],
                [digits[:3], digits[3:5], digits[5:]],
                [digits[:2], digits[2:4], digits[4:]],
            ]
        )
    )
    separator = st.sampled_from(["", " ", "-", "  ", " - ", ".", "(", ")"])
    parts = [prefix, shown_operator, *groups]
    typed = parts[0]
    for part in parts[1:]:
        typed += draw(separator) + part
    padding = st.sampled_from(["", " ", "\t", "\n"])
    return draw(padding) + typed + draw(padding), f"+7{operator}{digits}"


@FAST
@given(operators, subscribers)
def test_every_usual_spelling_of_a_mobile_gives_one_e164(operator, digits):
    expected = f"+7{operator}{digits}"
    for typed in usual_spellings(operator, digits):
        assert normalize_phone(typed) == expected, typed


@FAST
@given(typed_numbers())
@example(("8 (701) 123-45-67", "+77011234567"))
@example(("  +7 701 1234567\n", "+77011234567"))
def test_spaces_dashes_and_parentheses_do_not_matter(typed_and_expected):
    typed, expected = typed_and_expected
    assert normalize_phone(typed) == expected


def normalized_or_none(raw):
    """normalize_phone's answer, None for ValueError; any other exception fails the test."""
    try:
        result = normalize_phone(raw)
    except ValueError:
        return None
    assert isinstance(result, str)
    assert E164.match(result), (raw, result)
    return result


phone_like = st.one_of(
    st.text(alphabet="0123456789+()- .", max_size=24),
    # digit runs of E.164 length: some are valid numbers of other countries or of KZ
    st.from_regex(r"\+?[1-9][0-9]{7,14}", fullmatch=True),
)


@FAST
@given(st.one_of(st.text(), phone_like))
@example("")
@example("x" * 41)
@example("+" + "9" * 39)
@example("\x00")
@example("٠٧٠١١٢٣٤٥٦٧")  # Arabic-Indic digits
@example("8 701 123 45 67 доб. 12")
def test_any_text_is_a_value_error_or_an_e164_number(raw):
    normalized_or_none(raw)


@FAST
@given(st.one_of(typed_numbers().map(lambda pair: pair[0]), phone_like, st.text()))
@example("+44 20 7946 0958")
@example("8 (7212) 41-00-00")  # a Karaganda landline
def test_normalising_twice_changes_nothing(raw):
    once = normalized_or_none(raw)
    if once is not None:
        assert normalize_phone(once) == once


# --- codes -----------------------------------------------------------------------------------


def mangle(draw, code):
    """The code as a person or a scanner may give it: any case, separators, a newline."""
    separator = st.sampled_from(["", "", "-", " ", "  ", " - "])
    typed = ""
    for i, ch in enumerate(code):
        if i:
            typed += draw(separator)
        typed += ch.lower() if draw(st.booleans()) else ch
    before = draw(st.sampled_from(["", " ", "-", "\t", " \n"]))
    after = draw(st.sampled_from(["", " ", "-", "\n", "\r\n", " -\n"]))
    return before + typed + after


def is_valid_code(code):
    return len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)


@WITH_DB
@given(st.data())
def test_new_codes_are_valid_and_survive_retyping(app_ctx, data):
    code = new_code()
    assert isinstance(code, str)
    assert is_valid_code(code), code
    assert clean_code(code) == code
    assert clean_code(mangle(data.draw, code)) == code


@FAST
@given(codes, st.data())
def test_clean_code_round_trips_any_code(code, data):
    assert clean_code(mangle(data.draw, code)) == code


@FAST
@given(st.one_of(st.text(), st.text(alphabet=CODE_ALPHABET.lower() + CODE_ALPHABET + "-_ 0OIl")))
@example(None)
@example("")
@example("ﬀACDE")  # "ﬀ".upper() == "FF": a ligature that becomes a valid code
@example("٣٤٧٩AC")  # Arabic-Indic digits are alphanumeric but not in the alphabet
@example("ACDEF" + "\u0307")
def test_clean_code_of_any_text_is_none_or_a_valid_code(raw):
    result = clean_code(raw)
    assert result is None or is_valid_code(result), (raw, result)
    if result is not None:
        assert clean_code(result) == result


@pytest.mark.parametrize("raw", ["ACDEF", "ACDEFHJ", "ACDEF0", "ACDEFO", "ACD EF I"])
def test_wrong_lengths_and_ambiguous_letters_are_refused(raw):
    assert clean_code(raw) is None


def test_the_alphabet_has_no_ambiguous_characters():
    assert not set(services.CODE_ALPHABET) & set("0OQ1IL2Z5S6G8BUV")
    assert len(set(services.CODE_ALPHABET)) == len(services.CODE_ALPHABET)
