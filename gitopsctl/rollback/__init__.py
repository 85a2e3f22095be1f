"""gitopsctl rollback as a domain operation: ``revert`` is git's part (preflight, revert, push,
restore); ``steps`` adds the guard against image automation, reconcile and the wait."""
