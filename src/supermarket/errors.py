"""Exit codes and the two failure kinds that Airflow treats differently."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BUG = 1  # unexpected: a retry may or may not help
EXIT_USAGE = 2  # argparse's own code for a bad command line
EXIT_BAD_INPUT = 65  # sysexits EX_DATAERR: the data is wrong, retrying will not help
EXIT_INFRA = 75  # sysexits EX_TEMPFAIL: storage unreachable and the like, a retry may help

EXIT_CODES_HELP = f"""exit codes:
  {EXIT_OK}   success
  {EXIT_BUG}   unexpected error (a bug): Airflow retries
  {EXIT_USAGE}   bad command line
  {EXIT_BAD_INPUT}  bad input: the delivery is wrong, retrying will not help (Airflow does not retry)
  {EXIT_INFRA}  infrastructure error: storage unreachable or similar, a retry may help (Airflow retries
       with backoff)
"""


class PipelineError(Exception):
    exit_code = EXIT_BUG


class BadInputError(PipelineError):
    """The data is wrong. The message names the file, the row where it applies, and what is wrong."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, what: str, *, file: str | None = None, row: int | None = None) -> None:
        where = ""
        if file is not None:
            where = f"{file}"
            if row is not None:
                where += f", line {row}"
            where += ": "
        super().__init__(f"{where}{what}")
        self.file = file
        self.row = row


class InfraError(PipelineError):
    """Storage or another dependency failed; the same command may succeed later."""

    exit_code = EXIT_INFRA
