from django.urls import path

from apps.delivery import apis

urlpatterns = [
    path("executions", apis.ExecutionListApi.as_view(), name="execution-list"),
    path("executions/<uuid:execution_id>", apis.ExecutionDetailApi.as_view(), name="execution-detail"),
    path("executions/<uuid:execution_id>/replay", apis.ExecutionReplayApi.as_view(), name="execution-replay"),
    path("recorded-events/<uuid:event_id>/rerun", apis.EventRerunApi.as_view(), name="event-rerun"),
    path("replays", apis.ReplayJobCreateApi.as_view(), name="replay-create"),
    path("replays/<int:job_id>", apis.ReplayJobDetailApi.as_view(), name="replay-detail"),
]
