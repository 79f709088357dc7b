"""The task CLI's exit codes, mapped to Airflow's retry behaviour (see `supermarket --help`)."""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException, AirflowFailException

EXIT_USAGE = 2
EXIT_BAD_INPUT = 65  # the data is wrong: retrying cannot help
EXIT_INFRA = 75  # storage unreachable and the like: retry with backoff
NO_RETRY = {EXIT_USAGE: "bad command line", EXIT_BAD_INPUT: "bad input"}


def raise_for_exit_code(code: int, what: str) -> None:
    """Nothing for 0; AirflowFailException (no retry) for bad input; AirflowException (retry) otherwise."""
    if code == 0:
        return
    if code in NO_RETRY:
        raise AirflowFailException(f"{what} failed with exit code {code} ({NO_RETRY[code]}): not retrying")
    kind = "infrastructure error" if code == EXIT_INFRA else "unexpected error"
    raise AirflowException(f"{what} failed with exit code {code} ({kind}): will retry")
