"""Keep exported CSV cells from being run as spreadsheet formulas, and undo that on import.

A spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and, in some, one that starts
with a tab or carriage return) as a formula: a source title `=HYPERLINK("http://evil", "x")` in an
export would become a live link, or worse, on the analyst's machine (CWE-1236). The usual guard is
a leading `'`, which spreadsheets read as "text" and hide.

A plain number such as `-3.5` is left alone: a spreadsheet reads it as the number it is and runs
nothing, and negative longitudes must stay numbers.

`restore` is `neutralise`'s exact inverse, so export then import gives back every cell as it was,
including cells that really begin with `'`: those are guarded too when what follows the quotes
would be guarded, so the importer can tell the guard from the data.
"""

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _risky(text: str) -> bool:
    return text.startswith(TRIGGERS) and not _NUMBER.fullmatch(text)


def _guarded(cell: str) -> bool:
    """True for a cell `neutralise` prefixes: risky once any leading quotes are set aside."""
    return _risky(cell.lstrip("'"))


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet will show it without evaluating it."""
    return "'" + cell if _guarded(cell) else cell


def restore(cell: str) -> str:
    """The cell `neutralise` was given, from what it wrote."""
    if cell.startswith("'") and _guarded(cell[1:]):
        return cell[1:]
    return cell
