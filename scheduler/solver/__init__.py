"""The CP-SAT model: plan -> variables -> constraints -> objective -> schedule."""

from .solve import Progress, SolveOptions, SolveResult, solve

__all__ = ["Progress", "SolveOptions", "SolveResult", "solve"]
