"""The landscape's aggregates. Importing this package registers their commands with the bus."""

from apps.landscape.aggregates.cluster import Cluster
from apps.landscape.aggregates.database import Database
from apps.landscape.aggregates.host import Host
from apps.landscape.aggregates.sap_system import SapSystem

__all__ = ["Cluster", "Database", "Host", "SapSystem"]
