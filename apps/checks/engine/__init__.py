"""The checks engine (a port of Trento's wanda): catalog, applicability, values, evaluation.

Pure Python, no Django: the models, API and agents layers call these functions.
"""

from .applicability import applicable_checks, execution_env, is_applicable, is_excluded
from .evaluation import AgentFacts, evaluate_agent, evaluate_check, evaluate_expectation
from .execution import ExecutionPlan, NoChecksSelected, evaluate_execution, plan_execution
from .gathering import (
    AgentFactsRequest,
    Exclusion,
    FactRequest,
    Target,
    exclusions,
    facts_from_message,
    facts_gathering_requests,
)
from .loading import Catalog, LoadError, load_catalog, load_check_file
from .model import Check, Condition, Expectation, ExpectationType, Expression, Fact, Severity, Value
from .results import (
    AgentCheckError,
    AgentCheckResult,
    CheckResult,
    ExcludedAgentCheck,
    ExecutionResult,
    ExecutionValue,
    ExpectationEvaluation,
    ExpectationEvaluationError,
    ExpectationResult,
    FactError,
    GatheredFact,
    GatheredFactError,
    Result,
)
from .values import (
    CustomizationError,
    CustomizationErrorCode,
    ResolvedValue,
    is_check_customizable,
    is_value_customizable,
    resolve_values,
    validate_customization,
)

__all__ = [
    "AgentCheckError",
    "AgentCheckResult",
    "AgentFacts",
    "AgentFactsRequest",
    "Catalog",
    "Check",
    "CheckResult",
    "Condition",
    "CustomizationError",
    "CustomizationErrorCode",
    "ExcludedAgentCheck",
    "Exclusion",
    "ExecutionPlan",
    "ExecutionResult",
    "ExecutionValue",
    "Expectation",
    "ExpectationEvaluation",
    "ExpectationEvaluationError",
    "ExpectationResult",
    "ExpectationType",
    "Expression",
    "Fact",
    "FactError",
    "FactRequest",
    "GatheredFact",
    "GatheredFactError",
    "LoadError",
    "NoChecksSelected",
    "ResolvedValue",
    "Result",
    "Severity",
    "Target",
    "Value",
    "applicable_checks",
    "evaluate_agent",
    "evaluate_check",
    "evaluate_execution",
    "evaluate_expectation",
    "exclusions",
    "execution_env",
    "facts_from_message",
    "facts_gathering_requests",
    "is_applicable",
    "is_check_customizable",
    "is_excluded",
    "is_value_customizable",
    "load_catalog",
    "load_check_file",
    "plan_execution",
    "resolve_values",
    "validate_customization",
]
