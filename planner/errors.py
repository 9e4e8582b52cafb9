"""The one error type the planner raises for bad input; the CLI prints it as one line."""


class PlannerError(ValueError):
    """Bad input: names the field at fault (a dotted scenario path, a flag or a file)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
