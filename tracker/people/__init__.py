"""People: accounts and roles, who opens which case, the access log, to-do read markers."""
