"""Helpers both apps use (queuing after commit, session renewal): a home of their own, so the
apps depend on this small package and `config` only wires the project together."""
