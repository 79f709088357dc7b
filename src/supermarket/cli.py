def main() -> None:  # placeholder until the task-code issue lands
    raise SystemExit(0)
