"""Pick the catalog backend a project configures (``catalog.backend`` in ``conf/lake.yaml``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.catalog.base import Catalog
from lakehouse.errors import CatalogError
from lakehouse.storage.uri import is_local, join_uri, local_path

if TYPE_CHECKING:
    from lakehouse.config.project import Project

CATALOG_DIR = "_catalog"
CATALOG_FILE = "catalog.db"


def local_catalog_path(project: Project) -> str:
    """URI of the embedded catalog file: ``<lake root>/_catalog/catalog.db``."""
    return join_uri(project.lake_root, CATALOG_DIR, CATALOG_FILE)


def catalog_for(project: Project) -> Catalog:
    """The project's catalog: embedded SQLite in the lake (``local``) or AWS Glue (``glue``).

    Raises:
        CatalogError: ``backend: local`` with a lake on S3 (SQLite needs a local file).
    """
    settings = project.lake.catalog
    if settings.backend == "glue":
        from lakehouse.catalog.glue import GlueCatalog

        return GlueCatalog(region=settings.region, endpoint_url=settings.endpoint_url,
                           catalog_id=settings.catalog_id)
    uri = local_catalog_path(project)
    if not is_local(uri):
        raise CatalogError(
            f"catalog.backend 'local' needs a local lake, but the lake root is {project.lake_root}",
            hint="set catalog.backend: glue for a lake on S3 (profile "
                 f"{project.lake.profile!r} in conf/lake.yaml)",
        )
    from lakehouse.catalog.local import LocalCatalog

    return LocalCatalog(local_path(uri))
