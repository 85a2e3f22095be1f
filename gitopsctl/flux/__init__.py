"""The Flux object model as gitopsctl reads it: objects, their status and their dependencies."""
