"""Example plants, one folder each (network.yaml, streams.yaml, README.md); shipped in the package."""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["DEFAULT_PLANT", "plant_names", "plant_files", "upgrade_files"]

DEFAULT_PLANT = "body-shop-cell"


def plant_names() -> list[str]:
    root = files(__name__)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "network.yaml").is_file())


def plant_files(name: str = DEFAULT_PLANT) -> tuple[Path, Path]:
    """(network.yaml, streams.yaml) of an example plant."""
    folder = Path(str(files(__name__) / name))
    return folder / "network.yaml", folder / "streams.yaml"


def upgrade_files(name: str) -> tuple[Path, Path] | None:
    """(upgrade.yaml, streams-to-be.yaml) of a plant's upgrade scenario, if it has one."""
    folder = Path(str(files(__name__) / name))
    catalogue, streams = folder / "upgrade.yaml", folder / "streams-to-be.yaml"
    return (catalogue, streams) if catalogue.is_file() and streams.is_file() else None
