import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portal.validators import CCCD_PLACE_CODES, validate_cccd

places = st.sampled_from(sorted(CCCD_PLACE_CODES))
birthdays = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))


def make_cccd(place: str, born: dt.date, female: bool, serial: int) -> str:
    century_digit = (born.year // 100 - 19) * 2 + int(female)
    return f"{place}{century_digit}{born.year % 100:02d}{serial:06d}"


@given(places, birthdays, st.booleans(), st.integers(0, 999_999))
def test_well_formed_numbers_are_accepted(place, born, female, serial):
    validate_cccd(make_cccd(place, born, female, serial), date_of_birth=born)


@given(places, birthdays, st.booleans(), st.integers(0, 999_999), st.integers(1, 150))
def test_a_birth_year_that_does_not_match_is_refused(place, born, female, serial, shift):
    number = make_cccd(place, born, female, serial)
    other = born.replace(
        year=born.year + shift if born.year + shift <= 2099 else born.year - shift,
        day=min(born.day, 28),
    )

    with pytest.raises(ValidationError) as info:
        validate_cccd(number, date_of_birth=other)
    assert info.value.code == "cccd_birth_year"


@given(st.text(alphabet="0123456789", min_size=0, max_size=20).filter(lambda s: len(s) != 12))
def test_wrong_length_is_refused(number):
    with pytest.raises(ValidationError) as info:
        validate_cccd(number)
    assert info.value.code == "cccd_format"


@pytest.mark.parametrize("number", ["06809000012a", "06809000012 ", "o68090000123"])
def test_non_digits_are_refused(number):
    with pytest.raises(ValidationError):
        validate_cccd(number)


@pytest.mark.parametrize("prefix", ["000", "003", "097", "999"])
def test_unknown_place_of_birth_is_refused(prefix):
    with pytest.raises(ValidationError) as info:
        validate_cccd(f"{prefix}090000123")
    assert info.value.code == "cccd_place"
