"""Timing of each transmission medium, one module per medium."""
from tsnplan.model.media.ethernet import Medium, MEDIUM_SPECS, MediumSpec

__all__ = ["Medium", "MEDIUM_SPECS", "MediumSpec"]
