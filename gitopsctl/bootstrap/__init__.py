"""gitopsctl bootstrap as a domain operation: ``plan`` says what runs (flux and helm command
lines, what the cluster already has); ``steps`` runs it, each step skipped when done."""
