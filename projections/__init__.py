"""The read side: views kept from the event log, queries over them, runner, rebuild."""
