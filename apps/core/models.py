from django.db import models


class ServiceHeartbeat(models.Model):
    """The last time a background service proved it is alive (the scheduler's tick, run by a worker)."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_seen:%Y-%m-%d %H:%M:%S}"
