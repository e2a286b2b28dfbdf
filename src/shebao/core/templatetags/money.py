from django import template

from shebao.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen shown as yuan with two decimals: {{ due.amount_fen|yuan }}."""
    return format_yuan(fen)
