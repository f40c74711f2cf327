"""Accent-insensitive text keys, so that "lam dong" finds "Lâm Đồng"."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics (đ → d), collapsing whitespace."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
