"""tsnplan: plan and emulate time-sensitive industrial networks (TSN, 5G, Single Pair Ethernet)."""
__version__ = "0.1.0"

__all__ = ["__version__"]
