"""Grammar terminal names in words, for "expected ..." in syntax errors (Spark-free)."""

from __future__ import annotations

from collections.abc import Iterable

_WORDS = {
    "RULES": "'Rules'", "ANALYZERS": "'Analyzers'", "METADATA": "'Metadata'",
    "DATA_SOURCES": "'DataSources'", "DEFAULT_LABELS": "'DefaultLabels'", "LABELS": "'labels'",
    "WHERE": "'where'", "WITH": "'with'", "BETWEEN": "'between'", "NOT": "'not'", "IN": "'in'",
    "MATCHES": "'matches'", "AND": "'and'", "OR": "'or'", "OF": "'of'",
    "CONNECTOR_AND": "'and'", "NULL_KW": "NULL", "EMPTY": "EMPTY",
    "WHITESPACES_ONLY": "WHITESPACES_ONLY", "NOW": "now()",
    "DURATION_UNIT": "a time unit (days, hours, minutes)",
    "SIZE_UNIT": "a size unit (B, KB, MB, GB, TB)",
    "COMP_OP": "a comparison (=, !=, >, >=, <, <=)",
    "ADD_OP": "an operator (+, -)", "MUL_OP": "an operator (*, /)",
    "INT": "a number", "DECIMAL": "a number", "NAME": "a name", "VAR_REF": "a $constant",
    "STRING": 'a quoted string', "EQUAL": "'='", "COMMA": "','", "COLON": "':'",
    "LSQB": "'['", "RSQB": "']'", "LPAR": "'('", "RPAR": "')'", "LBRACE": "'{'", "RBRACE": "'}'",
    "$END": "the end of the ruleset",
}
# The order words are listed in: structure first, then values, then keywords.
_ORDER = ["RULES", "ANALYZERS", "NAME", "STRING", "COMP_OP", "BETWEEN", "NOT", "IN", "MATCHES",
          "INT", "DECIMAL", "NOW", "VAR_REF", "NULL_KW", "EMPTY", "WHITESPACES_ONLY",
          "DURATION_UNIT", "SIZE_UNIT", "WHERE", "WITH", "LABELS", "AND", "OR", "COMMA", "RSQB",
          "RPAR"]


def describe_expected(terminals: Iterable[str]) -> list[str]:
    """Terminal names -> distinct words, most useful first (``["a quoted string", "']'"]``)."""
    names = sorted(set(terminals), key=lambda n: (_ORDER.index(n) if n in _ORDER else len(_ORDER), n))
    words: list[str] = []
    for name in names:
        word = _WORDS.get(name, name.lower())
        if word not in words:
            words.append(word)
    return words
