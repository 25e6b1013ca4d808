"""Upgrade planning: the cheapest verified set of changes that makes a plant meet new demand.

``catalogue`` reads what may change and its price, ``actions`` turns it into changes of the network
document, ``verify`` judges a network with the real pipeline (and diagnoses the as-is plant),
``routes``/``solve`` are the exact model, ``heuristic`` the fallback, ``planner`` the loop that
ties them, ``phases`` the migration order and ``diagnose`` names unmet requirements.
"""
from tsnplan.plan.planner import Plan, PlanResult, PlanSettings, plan_upgrade

__all__ = ["plan_upgrade", "PlanSettings", "Plan", "PlanResult"]
