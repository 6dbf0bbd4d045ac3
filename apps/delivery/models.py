import uuid

from django.db import models


class Execution(models.Model):
    """One contract run for one event. Its id is the idempotency key every try sends."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed (will retry)"
        ERROR = "error", "Error (gave up)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_id = models.UUIDField(help_text="The recorded event that triggered the contract.")
    event_type = models.CharField(max_length=150)
    correlation_id = models.UUIDField(db_index=True)
    contract = models.ForeignKey("hub.Contract", on_delete=models.PROTECT, related_name="executions")
    action = models.ForeignKey("hub.Action", on_delete=models.PROTECT, related_name="executions")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    tries_count = models.PositiveIntegerField("tries", default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When the next try is due.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker took the current try.")
    last_error = models.TextField(blank=True)
    chain_depth = models.PositiveSmallIntegerField(default=0, help_text="How many chained actions led here.")
    event_position = models.BigIntegerField(default=0, help_text="The event's position in the store: its order.")
    ordering_key = models.CharField(
        max_length=200, blank=True, help_text="The value of the action's ordering key in this event, if it has one."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "contract"], name="delivery_one_execution_per_event_contract")
        ]
        verbose_name, verbose_name_plural = "delivery", "deliveries"  # what people call it; "execution" in code
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["action", "state", "next_attempt_at"], name="delivery_due_per_action"),
            models.Index(fields=["action", "ordering_key", "event_position"], name="delivery_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} for {self.event_type} ({self.get_state_display()})"


class Try(models.Model):
    """One HTTP attempt of an execution: what was sent and what came back (bodies bounded)."""

    class Outcome(models.TextChoices):
        SENDING = "sending", "Sending"
        SUCCESS = "success", "Success"
        TRANSIENT = "transient", "Failed, will retry"
        PERMANENT = "permanent", "Failed, no retry"

    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    task_id = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SENDING)
    started_at = models.DateTimeField()
    duration_ms = models.FloatField(null=True, blank=True)
    request_method = models.CharField(max_length=6, blank=True)
    request_url = models.TextField(blank=True)
    request_headers = models.JSONField(default=dict)
    request_body = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)
    response_truncated = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["execution", "number"]
        constraints = [models.UniqueConstraint(fields=["execution", "number"], name="delivery_unique_try_number")]
        verbose_name, verbose_name_plural = "try", "tries"

    def __str__(self) -> str:
        return f"Try {self.number}"


class Endpoint(models.Model):
    """How an action's endpoint has been answering: its circuit breaker and how long it has failed.

    After ``DELIVERY_BREAKER_FAILURES`` failed tries in a row the breaker opens: the action's
    executions wait (they use no tries) until ``open_until``, when one try goes out as a probe. A
    probe that succeeds closes the breaker; one that fails opens it again, for twice as long.
    """

    action = models.OneToOneField("hub.Action", on_delete=models.CASCADE, primary_key=True, related_name="endpoint")
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="The first failure since the last success.")
    open_until = models.DateTimeField(
        null=True, blank=True, help_text="While set, the breaker is open: deliveries wait until then for a probe."
    )
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"endpoint of {self.action}"

    @property
    def breaker_open(self) -> bool:
        return self.open_until is not None


class ReplayJob(models.Model):
    """Replaying every execution that matches a filter, in the background, chunk by chunk.

    Each execution is tried again with its own id, so subscribers see the same ``webhook-id`` and can
    drop what they already have. ``cursor`` is where the job got to, so a job whose worker died
    carries on from there.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    contract = models.ForeignKey(
        "hub.Contract", null=True, blank=True, on_delete=models.CASCADE, help_text="Only this contract's executions."
    )
    action = models.ForeignKey(
        "hub.Action", null=True, blank=True, on_delete=models.CASCADE, help_text="Only this action's executions."
    )
    states = models.JSONField(default=list, blank=True, help_text="Only executions in these states (all if empty).")
    created_from = models.DateTimeField(null=True, blank=True, help_text="Only executions created from then on.")
    created_until = models.DateTimeField(null=True, blank=True, help_text="Only executions created before then.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="How many executions matched when the job was made.")
    replayed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Running at the time, so left alone.")
    cursor = models.JSONField(default=list, blank=True, editable=False)
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "replay"

    def __str__(self) -> str:
        return f"replay of {self.total} executions ({self.get_state_display().lower()})"

    @property
    def progress(self) -> float:
        return 1.0 if not self.total else min(1.0, (self.replayed + self.skipped) / self.total)
