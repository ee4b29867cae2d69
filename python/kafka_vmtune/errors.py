"""Errors that reach an operator as one clear line."""


class VmtuneError(Exception):
    """Base for every error the CLI and modules turn into a one-line message."""


class InputError(VmtuneError):
    """Bad input from the operator: a value, a file or a PID that cannot be used."""


class FactsError(VmtuneError):
    """The host could not be read as expected (permissions, vanished process)."""
