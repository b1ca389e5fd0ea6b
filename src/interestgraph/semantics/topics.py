"""Topics: k-means over item text vectors, k chosen by silhouette, labels by class-based TF-IDF.

Why k-means on the L2-normalised vectors: on the unit sphere squared euclidean distance is
``2 − 2·cosine``, so it clusters by cosine, the similarity the encoder is trained for; it scales
linearly in items (agglomerative clustering needs the n² distance matrix), and it is
deterministic for a fixed seed.

How k is chosen: every k in ``[min_k, max_k]`` (clipped to fewer than the distinct vectors) is
fitted on a fixed-seed sample of at most ``SAMPLE_SIZE`` items and scored by the mean silhouette
(cosine) of that sample; the best score wins, the smaller k on a tie. The final model is then
fitted on all items with that k.

Membership: each item belongs to its nearest topic only, with ``weight`` = cosine to the topic's
(normalised) centroid, floored at ``MIN_WEIGHT`` to stay in (0, 1]. One topic per item keeps a
user's topic evidence from counting one event twice.

Labels: c-TF-IDF (Grootendorst, BERTopic) treats each topic as one document: a term's share of
the topic's terms × ``log(1 + A / f)``, A = mean terms per topic, f = the term's count over all
topics. A term counts once per item (a description that repeats a word ten times does not
outvote ten items); unigrams and bigrams within a phrase, English stop words and numbers left
out.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from neo4j import Driver, ManagedTransaction
from rich.progress import Progress
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

from interestgraph.errors import BadInput

SAMPLE_SIZE = 4000
N_INIT = 4
MIN_WEIGHT = 1e-3
LABEL_TERMS = 3
TOPIC_TERMS = 8
LABEL_SEPARATOR = " · "
PHRASE_BREAK = re.compile(r"[^\w\s]+")  # punctuation: ". ", " > ", ", ", " & ", "-"
TOKEN = re.compile(r"\w+")
APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")  # "L'Oréal", "men's": one word, not two
MEMBERSHIP_BATCH = 5000
# a bigram replaces a chosen unigram of it when found in more than this share of the unigram's items
NARROWING_SHARE = 0.5

DELETE_TOPICS_QUERY = "MATCH (t:Topic) DETACH DELETE t"
CREATE_TOPICS_QUERY = """
UNWIND $topics AS t
CREATE (:Topic {id: t.id, label: t.label, terms: t.terms, size: t.size, run: $run})
"""
CREATE_MEMBERSHIPS_QUERY = """
UNWIND $rows AS row
MATCH (i:Item {id: row.item})
MATCH (t:Topic {id: row.topic})
CREATE (i)-[:HAS_TOPIC {weight: row.weight}]->(t)
"""


@dataclass(frozen=True)
class KSelection:
    """The chosen number of topics and the silhouette of every candidate on the sample."""

    k: int
    scores: dict[int, float]
    sample_size: int


@dataclass(frozen=True)
class Topic:
    """One topic of a run: ``members`` are row indices into the clustered items."""

    id: str
    label: str
    terms: list[str]
    members: list[int]

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Clustering:
    """Per item (rows as given): topic index ``[n]`` and membership weight ``[n]`` in (0, 1]."""

    assignments: np.ndarray
    weights: np.ndarray


def choose_k(
    vectors: np.ndarray,
    *,
    min_k: int,
    max_k: int,
    seed: int,
    sample_size: int = SAMPLE_SIZE,
    progress: Progress | None = None,
) -> KSelection:
    """The k in ``[min_k, max_k]`` with the best mean silhouette (cosine) on a seeded sample.

    Args:
        vectors: ``[n, d]`` item vectors (normalised here).

    Raises:
        BadInput: a range that is empty or below 2, or fewer than 3 distinct vectors.
    """
    if min_k < 2 or max_k < min_k:
        raise BadInput(f"topic range must satisfy 2 <= min <= max, got {min_k}..{max_k}")
    unit = normalize(np.asarray(vectors, dtype=np.float64))
    distinct = len(np.unique(unit.round(6), axis=0))
    upper = min(max_k, distinct - 1)
    if upper < 2:
        raise BadInput(f"topics need at least 3 items with distinct text, found {distinct}")
    candidates = range(min(min_k, upper), upper + 1)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(unit), size=min(len(unit), sample_size), replace=False))
    sample = unit[rows]
    task = progress.add_task("choose k", total=len(candidates)) if progress else None
    scores: dict[int, float] = {}
    for k in candidates:
        labels = _kmeans(sample, k, seed).labels_
        scores[k] = (
            float(silhouette_score(sample, labels, metric="cosine"))
            if len(set(labels.tolist())) > 1
            else -1.0
        )
        if progress is not None and task is not None:
            progress.update(task, advance=1)
    best = max(candidates, key=lambda k: (scores[k], -k))
    return KSelection(k=best, scores=scores, sample_size=len(rows))


def fit_topics(vectors: np.ndarray, k: int, seed: int) -> Clustering:
    """k-means on all normalised vectors; topic indices ordered by size (0 = largest).

    Args:
        vectors: ``[n, d]``.

    Returns:
        assignments ``[n]`` in ``0..k-1`` and weights ``[n]`` (cosine to the centroid).
    """
    unit = normalize(np.asarray(vectors, dtype=np.float64))
    model = _kmeans(unit, k, seed)
    sizes = np.bincount(model.labels_, minlength=k)
    order = sorted(range(k), key=lambda c: (-sizes[c], c))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    centroids = normalize(model.cluster_centers_)
    cosines = np.einsum("nd,nd->n", unit, centroids[model.labels_])
    return Clustering(assignments=rank[model.labels_], weights=np.clip(cosines, MIN_WEIGHT, 1.0))


def _kmeans(unit: np.ndarray, k: int, seed: int) -> KMeans:
    with warnings.catch_warnings():
        # duplicate texts give duplicate vectors; fewer distinct points than k is handled above
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(n_clusters=k, n_init=N_INIT, random_state=seed).fit(unit)


def topic_terms(
    texts: Sequence[str], assignments: np.ndarray, k: int, *, top_n: int = TOPIC_TERMS
) -> list[list[str]]:
    """Each topic's most distinctive terms by c-TF-IDF, best first.

    A term is skipped when every word of it (or its singular) is already in a better term
    ("fountain pens" makes "pens" and "pen" redundant), so the list says more than one thing;
    a bigram found in most items of a better unigram of it replaces that unigram.

    Args:
        texts: one per item.
        assignments: ``[n]`` topic index of each item, in ``0..k-1``.
    """
    vectorizer = CountVectorizer(analyzer=terms_of, binary=True)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words and numbers
        return [[] for _ in range(k)]
    vocabulary = [str(term) for term in vectorizer.get_feature_names_out()]
    positions = {term: j for j, term in enumerate(vocabulary)}
    membership = sparse.csr_matrix(
        (np.ones(len(texts)), (np.asarray(assignments), np.arange(len(texts)))),
        shape=(k, len(texts)),
    )
    tf = np.asarray((membership @ counts).todense(), dtype=np.float64)  # [k, V]
    scores = ctfidf(tf)
    return [_distinct_terms(scores[c], tf[c], vocabulary, positions, top_n) for c in range(k)]


def terms_of(text: str) -> list[str]:
    """The unigrams and bigrams of a text, lowercased, without stop words or numbers.

    A bigram is two adjacent words of one phrase: punctuation, a stop word or a number between
    them breaks it, so joined fields ("Office Supplies > Pens", "Epson. Office Products") and
    "pens and pencils" give no made-up pairs such as "supplies pens".
    """
    terms: list[str] = []
    for phrase in PHRASE_BREAK.split(APOSTROPHE.sub("", text.lower())):
        previous: str | None = None
        for token in TOKEN.findall(phrase):
            if len(token) < 2 or not token.isalpha() or token in ENGLISH_STOP_WORDS:
                previous = None
                continue
            terms.append(token)
            if previous is not None:
                terms.append(f"{previous} {token}")
            previous = token
    return terms


def ctfidf(tf: np.ndarray) -> np.ndarray:
    """Class-based TF-IDF ``[k, V]`` from term counts per class ``[k, V]``."""
    per_class = tf.sum(axis=1, keepdims=True)
    frequency = tf.sum(axis=0, keepdims=True)
    average = tf.sum() / max(len(tf), 1)
    share = np.divide(tf, per_class, out=np.zeros_like(tf), where=per_class > 0)
    idf = np.log1p(np.divide(average, frequency, out=np.zeros_like(frequency), where=frequency > 0))
    return share * idf


def _distinct_terms(
    scores: np.ndarray,
    counts: np.ndarray,
    vocabulary: Sequence[str],
    positions: dict[str, int],
    top_n: int,
) -> list[str]:
    chosen: list[str] = []
    words: set[str] = set()
    ranked = sorted(
        np.flatnonzero(counts).tolist(),
        key=lambda j: (-scores[j], -len(vocabulary[j].split()), vocabulary[j]),
    )
    for index in ranked:
        term = vocabulary[index]
        parts = term.split()
        if {_singular(word) for word in parts} <= words:
            continue
        # "pens" then "fountain pens" found in most of the same items: the bigram, more telling,
        # takes the unigram's place
        narrower = [
            i
            for i, earlier in enumerate(chosen)
            if earlier in parts and counts[index] > NARROWING_SHARE * counts[positions[earlier]]
        ]
        if narrower:
            chosen[narrower[0]] = term
        else:
            chosen.append(term)
        words.update(_singular(word) for word in parts)
        if len(chosen) == top_n:
            break
    return chosen


def _singular(word: str) -> str:
    """A crude English singular ("pens", "boxes", "brushes" → "pen", "box", "brush"), so a plural
    after its singular adds nothing."""
    if word.endswith("es") and word[:-2].endswith(("s", "x", "ch", "sh")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def label(terms: Sequence[str], taken: Collection[str] = ()) -> str:
    """A topic's readable label: its best terms joined with `` · ``, one term more for as long
    as an earlier topic's label (in ``taken``) reads the same, so no two topics look alike."""
    n = LABEL_TERMS
    while LABEL_SEPARATOR.join(terms[:n]) in taken and n < len(terms):
        n += 1
    return LABEL_SEPARATOR.join(terms[:n])


def build_topics(texts: Sequence[str], clustering: Clustering, k: int) -> list[Topic]:
    """Topics ``topic-0`` (largest) .. ``topic-<k-1>`` with their terms, labels and members."""
    terms = topic_terms(texts, clustering.assignments, k)
    members: list[list[int]] = [[] for _ in range(k)]
    for row, topic in enumerate(clustering.assignments.tolist()):
        members[topic].append(row)
    labels: list[str] = []
    for c in range(k):
        labels.append(label(terms[c], taken=labels))
    return [
        Topic(id=f"topic-{c}", label=labels[c], terms=terms[c], members=members[c])
        for c in range(k)
    ]


def replace_topics(
    driver: Driver,
    *,
    run: str,
    topics: Sequence[Topic],
    item_ids: Sequence[str],
    weights: np.ndarray,
) -> None:
    """Swap every ``Topic`` (and its edges) for this run's, in one write transaction.

    One transaction, so readers see the old topics or the new ones, never a mix (topic ids
    repeat across runs). ``weights`` ``[n]`` and ``item_ids`` are in the clustered rows' order.
    """
    topic_rows = [{"id": t.id, "label": t.label, "terms": t.terms, "size": t.size} for t in topics]
    memberships = [
        {"item": item_ids[row], "topic": t.id, "weight": float(weights[row])}
        for t in topics
        for row in t.members
    ]

    def swap(tx: ManagedTransaction) -> None:
        tx.run(DELETE_TOPICS_QUERY).consume()
        tx.run(CREATE_TOPICS_QUERY, topics=topic_rows, run=run).consume()
        for start in range(0, len(memberships), MEMBERSHIP_BATCH):
            batch = memberships[start : start + MEMBERSHIP_BATCH]
            tx.run(CREATE_MEMBERSHIPS_QUERY, rows=batch).consume()

    with driver.session() as session:
        session.execute_write(swap)
