"""planner: per-paycheck 401(k) elections for the mega backdoor Roth.

    import planner
    p = planner.plan("examples/amazon-2025.toml")   # or a dict, or a Scenario
    p.elections, p.totals, p.to_frame()
    planner.plan_all([...])    # many at once, each exactly its plan alone
    planner.plan_many(frame)   # a DataFrame of people -> a DataFrame of summaries
"""

from .api import check, plan, plan_all
from .batch import plan_many
from .errors import PlannerError
from .limits import limits_for
from .result import Plan
from .scenario import Scenario, load_scenario, scenario_from_dict

__all__ = ["Plan", "PlannerError", "Scenario", "check", "limits_for", "load_scenario", "plan",
           "plan_all", "plan_many", "scenario_from_dict"]
__version__ = "0.1.0"
