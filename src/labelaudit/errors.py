"""Input errors: every problem names where it is and how to fix it.

Validation is lazy (as in pandera): problems are collected, then raised together as
one :class:`InputError`, which the CLI prints as one message and exits with code 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labelaudit.visible import one_line


@dataclass
class Problem:
    """One thing wrong with the inputs or the settings."""

    where: str  # file path (or "command line")
    message: str
    column: str | None = None
    rows: list[int] = field(default_factory=list)  # first offending 1-based data rows
    setting: str | None = None
    fix: str = ""

    def render(self) -> str:
        """The problem as the terminal shows it: control characters made visible."""
        loc = one_line(self.where)
        if self.column:
            loc += f", column {one_line(repr(self.column))}"
        if self.setting and not self.column:
            loc += f", setting {one_line(repr(self.setting))}"
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            loc += f", row{'s' if len(self.rows) > 1 else ''} {shown}"
            if len(self.rows) > 5:
                loc += ", ..."
        text = f"{loc}: {one_line(self.message)}"
        if self.fix:
            text += f"\n    fix: {one_line(self.fix)}"
        return text


class InputError(Exception):
    """Bad usage or bad input (exit code 2). Holds every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = "labelaudit: bad input or usage, " + ("1 problem" if n == 1 else f"{n} problems")
        return (
            head
            + "\n"
            + "\n".join("  - " + p.render().replace("\n", "\n  ") for p in self.problems)
        )
