"""The base error of the risk room (its own module, so that any risk module may raise it)."""


class RiskError(ValueError):
    """Base class of the errors of the risk model; the message says what to fix."""
