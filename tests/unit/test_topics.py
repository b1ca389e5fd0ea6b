"""k selection on hand-made vectors, k-means topics, and c-TF-IDF labels."""

from __future__ import annotations

import numpy as np
import pytest

from interestgraph.errors import BadInput
from interestgraph.semantics.topics import (
    Clustering,
    build_topics,
    choose_k,
    ctfidf,
    fit_topics,
    label,
    terms_of,
    topic_terms,
)


def blobs(k: int, per_cluster: int, *, dim: int = 16, noise: float = 0.05, seed: int = 0):
    """``k`` tight clusters around orthogonal directions; returns vectors and true labels."""
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[:k]
    truth = np.repeat(np.arange(k), per_cluster)
    vectors = centres[truth] + noise * rng.standard_normal((len(truth), dim))
    return vectors.astype(np.float32), truth


@pytest.mark.parametrize("k", [3, 4, 6])
def test_choose_k_finds_the_number_of_clusters(k: int) -> None:
    vectors, _ = blobs(k, 20)
    selection = choose_k(vectors, min_k=2, max_k=9, seed=42)
    assert selection.k == k
    assert sorted(selection.scores) == list(range(2, 10))
    assert selection.scores[k] == max(selection.scores.values())


def test_choose_k_is_deterministic_and_uses_a_sample() -> None:
    vectors, _ = blobs(4, 50)
    first = choose_k(vectors, min_k=2, max_k=6, seed=7, sample_size=60)
    second = choose_k(vectors, min_k=2, max_k=6, seed=7, sample_size=60)
    assert first == second
    assert first.sample_size == 60


def test_choose_k_range_is_clipped_below_the_distinct_vectors() -> None:
    vectors = np.repeat(np.eye(4, dtype=np.float32), 5, axis=0)  # 4 distinct vectors
    selection = choose_k(vectors, min_k=2, max_k=10, seed=1)
    assert max(selection.scores) == 3


@pytest.mark.parametrize(("min_k", "max_k"), [(1, 5), (5, 4)])
def test_choose_k_refuses_a_bad_range(min_k: int, max_k: int) -> None:
    vectors, _ = blobs(3, 5)
    with pytest.raises(BadInput, match="topic range"):
        choose_k(vectors, min_k=min_k, max_k=max_k, seed=1)


def test_choose_k_refuses_too_few_distinct_vectors() -> None:
    vectors = np.repeat(np.eye(2, dtype=np.float32), 3, axis=0)
    with pytest.raises(BadInput, match="at least 3 items"):
        choose_k(vectors, min_k=2, max_k=5, seed=1)


def test_fit_topics_recovers_clusters_orders_by_size_and_weights_in_range() -> None:
    vectors, truth = blobs(3, 10)
    vectors = np.concatenate([vectors, blobs(3, 5, seed=1)[0][:5]])  # cluster 0 grows to 15
    truth = np.concatenate([truth, np.zeros(5, dtype=truth.dtype)])
    clustering = fit_topics(vectors, 3, seed=42)
    assert np.bincount(clustering.assignments).tolist() == [15, 10, 10]
    for cluster in range(3):  # every true cluster maps to exactly one topic
        assert len(set(clustering.assignments[truth == cluster].tolist())) == 1
    assert (clustering.weights > 0).all() and (clustering.weights <= 1).all()
    assert clustering.weights.min() > 0.9  # tight clusters sit close to their centroid


def test_ctfidf_prefers_terms_distinctive_of_the_class() -> None:
    #                   shared  only-0  only-1
    tf = np.array([[5.0, 5.0, 0.0], [5.0, 0.0, 5.0]])
    scores = ctfidf(tf)
    assert scores[0, 1] > scores[0, 0]
    assert scores[1, 2] > scores[1, 0]
    assert scores[0, 2] == 0.0


def test_topic_terms_name_each_theme_without_stop_words_or_numbers() -> None:
    texts = [
        "Lamy fountain pen with blue ink cartridges",
        "Pilot fountain pen and the ink converter",
        "Fountain pen ink cartridges, 12 pack",
        "Espresso coffee beans dark roast",
        "Coffee beans for espresso, medium roast",
        "Decaf coffee beans in a 500 g bag",
    ]
    assignments = np.array([0, 0, 0, 1, 1, 1])
    terms = topic_terms(texts, assignments, 2)
    assert terms[0][0] == "fountain pen"
    assert "ink" in " ".join(terms[0][:3])
    assert terms[1][0] == "coffee beans"
    assert "espresso" in " ".join(terms[1][:3])
    everything = {word for topic in terms for term in topic for word in term.split()}
    assert not everything & {"the", "and", "with", "for", "in", "12", "500"}
    # "fountain pen" comes first, so the bare "fountain" and "pen" are redundant after it
    assert not {"fountain", "pen", "pens"} & set(terms[0])
    assert not set(terms[0]) & set(terms[1][:3])


def test_terms_are_words_and_bigrams_within_a_phrase() -> None:
    text = "Lamy Fountain Pen. Office Supplies > Pens & Refills, pens and pencils 2B x 12"
    assert terms_of(text) == [
        *("lamy", "fountain", "lamy fountain", "pen", "fountain pen"),
        *("office", "supplies", "office supplies", "pens", "refills", "pens", "pencils"),
    ]


def test_an_apostrophe_inside_a_word_keeps_it_whole() -> None:
    assert terms_of("L'Oreal Paris, Burt’s Bees 'Original'") == [
        *("loreal", "paris", "loreal paris", "burts", "bees", "burts bees", "original"),
    ]


def test_a_plural_after_its_singular_is_redundant() -> None:
    texts = ["pen refill", "pens", "pen", "boxes", "box lid", "box"]
    terms = topic_terms(texts, np.array([0, 0, 0, 1, 1, 1]), 2)
    assert terms[0][0] == "pen" and "pens" not in terms[0]
    assert terms[1][0] == "box" and "boxes" not in terms[1]


def test_build_topics_and_label() -> None:
    texts = ["red lipstick", "matte lipstick", "gel pen", "ballpoint pen", "fine pen"]
    clustering = Clustering(
        assignments=np.array([1, 1, 0, 0, 0]), weights=np.array([1.0, 0.9, 0.8, 0.7, 0.6])
    )
    topics = build_topics(texts, clustering, 2)
    assert [t.id for t in topics] == ["topic-0", "topic-1"]
    assert [t.members for t in topics] == [[2, 3, 4], [0, 1]]
    assert topics[0].size == 3
    assert topics[0].terms[0] == "pen"
    assert topics[1].terms[0] == "lipstick"
    assert topics[1].label == label(topics[1].terms)
    assert label(["fountain pens", "ink", "cartridges", "converter"]) == (
        "fountain pens · ink · cartridges"
    )


def test_a_label_an_earlier_topic_has_gets_more_terms() -> None:
    terms = ["lotions", "moisturizers", "body", "hands", "feet"]
    assert label(terms, taken=["lotions · moisturizers · body"]) == (
        "lotions · moisturizers · body · hands"
    )
    taken = ["lotions · moisturizers · body", "lotions · moisturizers · body · hands"]
    assert label(terms, taken=taken) == "lotions · moisturizers · body · hands · feet"
    assert label(terms[:3], taken=taken) == "lotions · moisturizers · body"  # nothing more to add
