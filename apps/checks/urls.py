from django.urls import path

from apps.checks import apis

urlpatterns = [
    path("checks/catalog", apis.CatalogListApi.as_view(), name="checks-catalog"),
    path("checks/catalog/errors", apis.CatalogErrorsApi.as_view(), name="checks-catalog-errors"),
    path("checks/catalog/<str:check_id>", apis.CatalogCheckApi.as_view(), name="checks-catalog-check"),
    path("checks/evaluate", apis.PlaygroundApi.as_view(), name="checks-evaluate"),
    path("checks/executions", apis.ExecutionListApi.as_view(), name="checks-executions"),
    path("checks/executions/start", apis.ExecutionStartApi.as_view(), name="checks-executions-start"),
    path("checks/executions/<uuid:execution_id>", apis.ExecutionDetailApi.as_view(), name="checks-execution"),
    path(
        "checks/groups/<uuid:group_id>/executions/last",
        apis.GroupLastExecutionApi.as_view(),
        name="checks-group-last-execution",
    ),
    path("groups/<uuid:group_id>/checks", apis.GroupChecksApi.as_view(), name="checks-group-checks"),
    path(
        "groups/<uuid:group_id>/checks/<str:check_id>/customization",
        apis.CustomizationApi.as_view(),
        name="checks-customization",
    ),
    path("agents/<uuid:agent_id>/facts-requests", apis.AgentFactsRequestsApi.as_view(), name="checks-facts-requests"),
    path("agents/<uuid:agent_id>/facts", apis.AgentFactsApi.as_view(), name="checks-facts"),
]
