"""The supplyshock web server: a REST API (FastAPI, described by OpenAPI) and a dashboard.

Examples
--------
>>> from fastapi.testclient import TestClient  # doctest: +SKIP
>>> from supplyshock.server import create_app  # doctest: +SKIP
>>> client = TestClient(create_app(data_dir="/tmp/supplyshock-server"))  # doctest: +SKIP
>>> [s["name"] for s in client.get("/api/scenarios").json()]  # doctest: +SKIP
['baseline', 'cn-2010-quota-cut', 'cn-2025-april-controls', 'cn-magnet-embargo-12m']
"""

from supplyshock.server.app import create_app
from supplyshock.server.jobs import JobManager, QueueFull
from supplyshock.server.state import ServerConfig

__all__ = ["JobManager", "QueueFull", "ServerConfig", "create_app"]
