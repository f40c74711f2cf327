import pytest
from hypothesis import given
from hypothesis import strategies as st

from units.text import fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lâm Đồng", "lam dong"),
        ("Phường 1 Bảo Lộc", "phuong 1 bao loc"),
        ("  Thành phố   Hồ Chí Minh ", "thanh pho ho chi minh"),
        ("Đặc khu Phú Quý", "dac khu phu quy"),
        ("Xã Ea H'leo", "xa ea h'leo"),
    ],
)
def test_fold_strips_diacritics_and_case(text, expected):
    assert fold(text) == expected


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)
