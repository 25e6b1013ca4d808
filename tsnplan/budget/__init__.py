"""Latency and jitter budgets across wired TSN, 5G and Single Pair Ethernet."""
from tsnplan.budget.compose import DEFAULT_SYNC_ERROR_NS, compute_budget
from tsnplan.budget.result import UNBOUNDED, Basis, BudgetResult, Composition, HopBudget

__all__ = ["compute_budget", "BudgetResult", "HopBudget", "Basis", "Composition", "UNBOUNDED",
           "DEFAULT_SYNC_ERROR_NS"]
