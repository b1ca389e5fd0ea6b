"""Communities of the user projection: Louvain or Leiden, inside Neo4j with the Graph Data
Science plugin when the server has it, in Python (igraph, leidenalg) when it does not; or,
bipartite-aware, Leiden on the users × items graph itself (Python).

Both backends get the same weighted graph (segments/projection.py) and return a community per
projection user; modularity is computed by one function (igraph's, weighted, resolution 1) for
either, so their figures compare. GDS reads the projection from the graph, where
segments/store.py wrote it as ``(:User)-[:SIMILAR_TO {weight}]->(:User)`` (each pair once),
projected UNDIRECTED, as Leiden requires; the GDS in-memory graph is dropped afterwards. GDS
Community Edition runs on at most 4 threads; we run concurrency 1, so a run repeats.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import igraph as ig
import leidenalg
import numpy as np
from neo4j import Driver, NotificationDisabledClassification, RoutingControl
from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, SessionExpired

from interestgraph.errors import BadInput, DatabaseUnavailable, InterestGraphError
from interestgraph.segments.methods import Algorithm, Backend
from interestgraph.segments.projection import UserProjection

_QUIET = [
    NotificationDisabledClassification.UNRECOGNIZED,
    NotificationDisabledClassification.DEPRECATION,
]


@dataclass(frozen=True)
class Communities:
    """``membership[u]``: the community of projection user ``u`` (0..n-1, by decreasing size;
    -1 for users without edges, who belong to none)."""

    membership: np.ndarray[Any, Any]
    modularity: float
    algorithm: Algorithm
    backend: Backend
    seconds: float

    @property
    def count(self) -> int:
        return int(self.membership.max()) + 1 if self.membership.size else 0


GDS_VERSION_QUERY = "RETURN gds.version() AS version"
GDS_PROJECT_QUERY = """
CALL gds.graph.project($graph, 'User',
       {SIMILAR_TO: {orientation: 'UNDIRECTED', properties: 'weight'}})
YIELD relationshipCount
RETURN relationshipCount
"""
GDS_DROP_QUERY = "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName"
# GDS streams internal node ids; `id()` maps them back to users (its deprecation notice is off).
_GDS_RESULT = """
YIELD nodeId, communityId
MATCH (u:User) WHERE id(u) = nodeId
RETURN collect(u.id) AS users, collect(communityId) AS communities
"""
GDS_STREAM_QUERIES = {
    Algorithm.LEIDEN: """
CALL gds.leiden.stream($graph, {relationshipWeightProperty: 'weight', gamma: $resolution,
                                randomSeed: $seed, concurrency: 1})
"""
    + _GDS_RESULT,
    Algorithm.LOUVAIN: """
CALL gds.louvain.stream($graph, {relationshipWeightProperty: 'weight', concurrency: 1})
"""
    + _GDS_RESULT,
}


def gds_available(driver: Driver) -> bool:
    """Whether the server has the Graph Data Science plugin."""
    try:
        driver.execute_query(GDS_VERSION_QUERY, routing_=RoutingControl.READ)
    except ClientError:
        return False
    return True


def detect(
    driver: Driver,
    projection: UserProjection,
    algorithm: Algorithm = Algorithm.LEIDEN,
    backend: Backend = Backend.AUTO,
    *,
    resolution: float = 1.0,
    seed: int = 0,
) -> Communities:
    """Communities of ``projection`` by ``algorithm``; ``AUTO`` takes GDS when the server has it.

    ``resolution`` (Leiden's gamma; Louvain runs at 1 in GDS, which has no such setting for it
    in every version, so the Python backend does the same): larger gives more, smaller segments.
    Bipartite Leiden always runs in Python (``AUTO`` takes it there). Its communities are
    scored, like the others', by modularity on the projection.

    Raises:
        BadInput: GDS asked for on a server without it or for bipartite Leiden, a resolution
            that is not positive, or a Louvain resolution other than 1.
        DatabaseUnavailable, InterestGraphError: as Neo4j fails.
    """
    if resolution <= 0:
        raise BadInput(f"resolution must be positive, got {resolution}")
    if algorithm is Algorithm.LOUVAIN and resolution != 1.0:
        raise BadInput("Louvain runs at resolution 1; use Leiden for another resolution")
    if algorithm is Algorithm.BIPARTITE_LEIDEN:
        if backend is Backend.GDS:
            raise BadInput("bipartite Leiden runs in Python only: GDS has no bipartite method")
        backend = Backend.PYTHON
    if backend is Backend.AUTO:
        backend = Backend.GDS if gds_available(driver) else Backend.PYTHON
    elif backend is Backend.GDS and not gds_available(driver):
        raise BadInput("this Neo4j server has no Graph Data Science plugin: use --backend python")
    started = time.perf_counter()
    graph = _igraph(projection)
    if algorithm is Algorithm.BIPARTITE_LEIDEN:
        raw = _bipartite_membership(projection, resolution, seed)
    elif backend is Backend.GDS:
        raw = _gds_membership(driver, projection, algorithm, resolution, seed)
    else:
        raw = _python_membership(graph, algorithm, resolution, seed)
    membership = _by_size(raw, _connected(projection))
    in_graph = membership >= 0
    modularity = (
        float(
            graph.modularity(
                np.where(in_graph, membership, membership.max() + 1).tolist(), weights="weight"
            )
        )
        if projection.num_edges
        else 0.0
    )
    return Communities(membership, modularity, algorithm, backend, time.perf_counter() - started)


def _igraph(projection: UserProjection) -> ig.Graph:
    graph = ig.Graph(
        n=len(projection.user_ids),
        edges=np.column_stack([projection.source, projection.target]).tolist(),
    )
    graph.es["weight"] = projection.weight.astype(float).tolist()
    return graph


def _python_membership(
    graph: ig.Graph, algorithm: Algorithm, resolution: float, seed: int
) -> np.ndarray[Any, Any]:
    if algorithm is Algorithm.LOUVAIN:
        clusters = graph.community_multilevel(weights="weight")
        return np.asarray(clusters.membership, np.int64)
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        n_iterations=-1,
        seed=seed,
    )
    return np.asarray(partition.membership, np.int64)


def _bipartite_membership(
    projection: UserProjection, resolution: float, seed: int
) -> np.ndarray[Any, Any]:
    """Leiden on the users × items graph, optimising Barber's bipartite modularity: CPM with
    degrees as node sizes and a resolution of ``resolution / 2m`` between the two classes, none
    within them (leidenalg's three-layer recipe). Communities hold users and items; the users'
    are returned."""
    incidence = projection.items.tocoo()
    users = incidence.shape[0]
    used, item_nodes = np.unique(incidence.col, return_inverse=True)
    graph = ig.Graph(
        n=users + used.size,
        edges=np.column_stack([incidence.row, users + item_nodes]).tolist(),
    )
    if graph.ecount() == 0:
        return np.arange(users, dtype=np.int64)
    graph.vs["type"] = [0] * users + [1] * int(used.size)
    layers = leidenalg.CPMVertexPartition.Bipartite(
        graph,
        resolution_parameter_01=resolution / (2 * graph.ecount()),
        degree_as_node_size=True,
    )
    optimiser = leidenalg.Optimiser()
    optimiser.set_rng_seed(seed)
    optimiser.optimise_partition_multiplex(list(layers), layer_weights=[1, -1, -1], n_iterations=-1)
    return np.asarray(layers[0].membership[:users], np.int64)


def _gds_membership(
    driver: Driver,
    projection: UserProjection,
    algorithm: Algorithm,
    resolution: float,
    seed: int,
) -> np.ndarray[Any, Any]:
    """Project the stored ``SIMILAR_TO`` graph into GDS, stream the algorithm's communities,
    drop the in-memory graph whatever happens."""
    name = f"interestgraph-segments-{uuid.uuid4().hex}"
    membership = np.full(len(projection.user_ids), -1, np.int64)
    if not projection.num_edges:
        return membership
    try:
        with driver.session(notifications_disabled_classifications=_QUIET) as session:
            stored = session.run(GDS_PROJECT_QUERY, graph=name).single(strict=True)
            try:
                if stored["relationshipCount"] != 2 * projection.num_edges:
                    raise InterestGraphError(
                        "the stored SIMILAR_TO graph is not this projection (another "
                        "segmentation ran at the same time?): run again"
                    )
                record = session.run(
                    GDS_STREAM_QUERIES[algorithm], graph=name, resolution=resolution, seed=seed
                ).single(strict=True)
            finally:
                session.run(GDS_DROP_QUERY, graph=name).consume()
    except (ServiceUnavailable, SessionExpired) as e:
        raise DatabaseUnavailable(f"Neo4j went away during community detection: {e}") from e
    except Neo4jError as e:
        raise InterestGraphError(f"community detection in GDS failed: {e.message}") from e
    position = {user: index for index, user in enumerate(projection.user_ids)}
    for user, community in zip(record["users"], record["communities"], strict=True):
        index = position.get(user)
        if index is not None:
            membership[index] = community
    return membership


def _connected(projection: UserProjection) -> np.ndarray[Any, Any]:
    """Which projection users have at least one edge."""
    mask = np.zeros(len(projection.user_ids), bool)
    mask[projection.source] = True
    mask[projection.target] = True
    return mask


def _by_size(raw: np.ndarray[Any, Any], connected: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Renumber communities 0.. by decreasing size (ties: smallest member first); users
    without edges get -1 (igraph gives them singleton communities, GDS never sees them)."""
    labels = np.where(connected, raw, -1)
    present = labels >= 0
    if not present.any():
        return np.full(raw.size, -1, np.int64)
    values, first, counts = np.unique(labels[present], return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    rank = np.empty(values.size, np.int64)
    rank[order] = np.arange(values.size)
    out = np.full(raw.size, -1, np.int64)
    out[present] = rank[np.searchsorted(values, labels[present])]
    return out
