"""User-facing errors.

Every error caused by bad user input derives from :class:`TerastalError`; the CLI prints it
as one line (no traceback) and exits with status 2.
"""

from __future__ import annotations


class TerastalError(Exception):
    """Base class of all user-facing errors."""


class InputError(TerastalError):
    """Malformed or invalid input, located by file, line and field where known.

    Parameters
    ----------
    message : str
        What is wrong.
    file : str or None
        The offending file.
    line : int or None
        1-based line number in ``file``.
    field : str or None
        The offending field or key.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}{field}{self.message}"


class ContractError(TerastalError):
    """A scheduler returned a decision that violates the scheduler contract."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; the CLI stops and exits with status ``128 + signum``.

    A ``BaseException`` so that no ``except Exception`` (a failing point, a lost warm start)
    swallows it.
    """

    def __init__(self, signum: int, note: str = "") -> None:
        import signal

        self.note = note  # what was kept, e.g. "12 point(s) stored in out/; rerun to resume"
        self.signum = int(signum)
        self.exit_code = 128 + self.signum
        self.name = signal.Signals(self.signum).name
        super().__init__(self.name)
