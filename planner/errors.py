"""The one error type the planner raises for bad input; the CLI prints it as one line."""

import re


class PlannerError(ValueError):
    """Bad input: names the field at fault (a dotted scenario path, a flag or a file)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# What reading TOML text can raise: the parser's TOMLDecodeError (a ValueError), and what
# Python itself refuses: an integer of thousands of digits (ValueError), arrays or inline
# tables nested hundreds deep (RecursionError).
TOML_ERRORS = (ValueError, RecursionError)


def toml_problem(exc: BaseException) -> str:
    """Why TOML text could not be read, in a few words."""
    if isinstance(exc, RecursionError):
        return "arrays or tables nested too deeply"
    if type(exc).__name__ == "TOMLDecodeError":
        return str(exc)
    return "a number with more digits than can be read"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """`text` for one line on a terminal: control characters escaped (\\n, \\x1b), so a
    newline cannot split it and an escape code in a file name does nothing."""
    return _CONTROL.sub(lambda m: repr(m[0])[1:-1], text)
