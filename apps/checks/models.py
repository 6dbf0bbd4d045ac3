"""Executions of catalog checks on agents, the facts each agent is asked for, and per-group settings.

The catalog itself is not stored: it is read from YAML files (see ``catalog.py``). ``CatalogCheck``
has no table; it only gives the catalog its place and permissions in the admin.
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q


class Execution(models.Model):
    """One run of checks over a group's targets, from facts gathering to the stored result."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"

    class Result(models.TextChoices):
        PASSING = "passing", "Passing"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group_id = models.UUIDField(db_index=True, help_text="The cluster or host the checks run for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    target_type = models.CharField(max_length=40, blank=True)
    #: The env the checks were selected and evaluated with, ``target_type`` included.
    env = models.JSONField(default=dict, blank=True)
    #: ``[{agent_id, checks, attributes}]``, each reduced to the checks that were selected.
    targets = models.JSONField(default=list)
    #: The ids of the selected checks, in catalog order.
    checks = models.JSONField(default=list)
    #: ``[{check_id, agent_id, exclude_expression}]``: the pairs the checks' ``exclude`` left out at the start.
    excluded = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    timeout_at = models.DateTimeField(help_text="Agents that have not answered by then are reported timed out.")
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, blank=True)
    #: The whole result as wanda shapes it: check results, per-agent evaluations, timed-out agents.
    result_data = models.JSONField(null=True, blank=True)
    started_by = models.CharField(max_length=150, blank=True, help_text="Who or what started it.")

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "check run"
        constraints = [
            models.UniqueConstraint(
                fields=["group_id"], condition=Q(status="running"), name="checks_one_running_execution_per_group"
            )
        ]
        indexes = [models.Index(fields=["status", "timeout_at"], name="checks_execution_due")]

    def __str__(self) -> str:
        return f"Execution {str(self.id)[:8]} of group {str(self.group_id)[:8]}"

    def count(self, result: str) -> int | None:
        if self.result_data is None:
            return None
        return sum(1 for check in self.result_data["check_results"] if check["result"] == result)


class FactsRequest(models.Model):
    """What one agent is asked to gather for one execution, and what it sent back."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ANSWERED = "answered", "Answered"
        TIMED_OUT = "timed_out", "Timed out"

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="facts_requests")
    agent_id = models.UUIDField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    #: ``[{check_id, name, gatherer, argument}]``
    fact_requests = models.JSONField(default=list)
    #: ``[{check_id, name, value}]`` or ``[{check_id, name, error_value: {type, message}}]``, as posted.
    gathered = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "agent_id"]
        constraints = [
            models.UniqueConstraint(fields=["execution", "agent_id"], name="checks_one_facts_request_per_agent")
        ]
        indexes = [models.Index(fields=["agent_id", "status"], name="checks_facts_pending")]

    def __str__(self) -> str:
        return f"Facts of agent {self.agent_id} for {self.execution}"


class Customization(models.Model):
    """A group's own values for one check, replacing the check's defaults in its executions."""

    group_id = models.UUIDField()
    check_id = models.CharField(max_length=20)
    #: value name → custom value (validated against the check when stored).
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group_id", "check_id"]
        constraints = [models.UniqueConstraint(fields=["group_id", "check_id"], name="checks_one_customization")]

    def __str__(self) -> str:
        return f"{self.check_id} customized for group {str(self.group_id)[:8]}"


class ScheduledSelection(models.Model):
    """A group's selection of checks that beat runs every ``interval_minutes`` on its agents."""

    name = models.CharField(max_length=120)
    group_id = models.UUIDField()
    checks = models.JSONField(default=list, help_text='Check ids, e.g. ["156F64", "A1244C"].')
    targets = models.JSONField(
        default=list,
        help_text='The agents to run the checks on: [{"agent_id": "…", "attributes": {…}}] (attributes optional).',
    )
    target_type = models.CharField(max_length=40, default="cluster")
    env = models.JSONField(default=dict, blank=True, help_text='e.g. {"provider": "azure"}')
    interval_minutes = models.PositiveIntegerField(default=60, validators=[MinValueValidator(1)])
    is_active = models.BooleanField("active", default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="Empty: at the next beat tick.")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_execution = models.ForeignKey(Execution, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if not isinstance(self.checks, list) or not self.checks or not all(isinstance(c, str) for c in self.checks):
            errors["checks"] = "A non-empty list of check ids."
        if not isinstance(self.targets, list) or not self.targets:
            errors["targets"] = "A non-empty list of targets."
        else:
            for target in self.targets:
                try:
                    uuid.UUID(str(target.get("agent_id")) if isinstance(target, dict) else "")
                except ValueError:
                    errors["targets"] = 'Each target is {"agent_id": "<uuid>", "attributes": {…}}.'
                    break
        if not isinstance(self.env, dict):
            errors["env"] = "A JSON object."
        if errors:
            raise ValidationError(errors)


class CatalogCheck(models.Model):
    """No table: the catalog's entry in the admin (its pages read the YAML catalog)."""

    class Meta:
        managed = False
        verbose_name = "catalog check"
        verbose_name_plural = "catalog"

    def __str__(self) -> str:
        return "catalog"
