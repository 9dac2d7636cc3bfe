"""The routes of the server, one router per resource.

* :mod:`~supplyshock.server.routes.health`: liveness and the embedded datasets;
* :mod:`~supplyshock.server.routes.scenarios`: built-in scenarios and validation;
* :mod:`~supplyshock.server.routes.runs`: run jobs, their progress, recorded runs and their results;
* :mod:`~supplyshock.server.routes.analyst`: run history, a run's overview, comparisons, downloads, scenarios with new settings;
* :mod:`~supplyshock.server.routes.reports`: a run's HTML report;
* :mod:`~supplyshock.server.routes.draft`: a news article drafted into a scenario, and the page for it;
* :mod:`~supplyshock.server.routes.dashboard`: the dashboard page and its static files;
* :mod:`~supplyshock.server.routes.apidocs`: ``/docs``, Swagger UI served from the package (offline).
"""

from fastapi import APIRouter

from supplyshock.server.routes import analyst, apidocs, dashboard, draft, health, reports, runs, scenarios

__all__ = ["ROUTERS"]

#: Every router, in the order the application includes them.
ROUTERS: tuple[APIRouter, ...] = (
    dashboard.router,
    apidocs.router,
    health.router,
    scenarios.router,
    runs.router,
    analyst.router,
    reports.router,
    draft.router,
    draft.page_router,
)
