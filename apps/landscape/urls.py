from django.urls import path

from apps.landscape import apis

urlpatterns = [
    path("hosts", apis.HostListApi.as_view(), name="host-list"),
    path("hosts/<uuid:pk>", apis.HostDetailApi.as_view(), name="host-detail"),
    path("clusters", apis.ClusterListApi.as_view(), name="cluster-list"),
    path("clusters/<uuid:pk>", apis.ClusterDetailApi.as_view(), name="cluster-detail"),
    path("databases", apis.DatabaseListApi.as_view(), name="database-list"),
    path("databases/<uuid:pk>", apis.DatabaseDetailApi.as_view(), name="database-detail"),
    path("sap_systems", apis.SapSystemListApi.as_view(), name="sap-system-list"),
    path("sap_systems/health", apis.SapSystemsHealthApi.as_view(), name="sap-systems-health"),
    path("sap_systems/<uuid:pk>", apis.SapSystemDetailApi.as_view(), name="sap-system-detail"),
    *(
        route
        for kind, plural in (("cluster", "clusters"), ("host", "hosts"))
        for route in (
            path(f"{plural}/<uuid:pk>/checks", apis.ChecksSelectionApi.as_view(kind=kind), name=f"{kind}-checks"),
            path(
                f"{plural}/<uuid:pk>/checks/request_execution",
                apis.ChecksExecutionRequestApi.as_view(kind=kind),
                name=f"{kind}-checks-execution",
            ),
        )
    ),
    path(
        "sap_systems/<uuid:pk>/hosts/<uuid:host_id>/instances/<str:instance_number>",
        apis.AbsentInstanceApi.as_view(kind="sap_system"),
        name="sap-system-instance",
    ),
    path(
        "databases/<uuid:pk>/hosts/<uuid:host_id>/instances/<str:instance_number>",
        apis.AbsentInstanceApi.as_view(kind="database"),
        name="database-instance",
    ),
]
