"""The command side: application, storage, people, admin, e-mail, scheduler, CLI."""
