from django import template

from shebao.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan with two decimals: {{ due.amount_fen|yuan }}."""
    return format_yuan(fen)


@register.filter
def index_text(index_x10k: int | None) -> str:
    """An index kept ×10 000 shown to four decimals: {{ 12345|index_text }} -> 1.2345 (2.1)."""
    if index_x10k is None:
        return ""
    return f"{index_x10k // 10_000}.{index_x10k % 10_000:04d}"
