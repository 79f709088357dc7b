"""The task CLI's exit codes, mapped to Airflow's retry behaviour (see `supermarket --help`).

The codes themselves belong to the task package (`supermarket.errors`); they are imported when a step has
finished, not at parse time (DAG files import only Airflow and the standard library while being parsed).
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException, AirflowFailException


def raise_for_exit_code(code: int, what: str) -> None:
    """Nothing for 0; AirflowFailException (no retry) for bad input; AirflowException (retry) otherwise."""
    if code == 0:
        return
    from supermarket.errors import EXIT_BAD_INPUT, EXIT_INFRA, EXIT_USAGE

    no_retry = {EXIT_USAGE: "bad command line", EXIT_BAD_INPUT: "bad input"}
    if code in no_retry:
        raise AirflowFailException(f"{what} failed with exit code {code} ({no_retry[code]}): not retrying")
    kind = "infrastructure error" if code == EXIT_INFRA else "unexpected error"
    raise AirflowException(f"{what} failed with exit code {code} ({kind}): will retry")
