"""Segment labels: the interests of highest lift, readable, without placeholder brands."""

from __future__ import annotations

from interestgraph.segments.profiles import Interest, SegmentProfile


def _interests(*names: str) -> list[Interest]:
    return [Interest(f"id-{name}", name, 0.5, 3.0 - k) for k, name in enumerate(names)]


def _profile(**top: list[Interest]) -> SegmentProfile:
    return SegmentProfile(index=4, size=10, share=0.1, activity=2.0, activity_lift=1.0, top=top)


def test_label_names_two_categories_then_two_brands() -> None:
    profile = _profile(
        category=_interests("Nail Polish", "Manicure", "Tools"),
        brand=_interests("OPI", "Essie", "Sally Hansen"),
        topic=_interests("glitter"),
    )
    assert profile.label == "Nail Polish & Manicure · OPI, Essie"


def test_label_leaves_out_placeholder_brands() -> None:
    profile = _profile(category=_interests("Photo Paper"), brand=_interests("Canon", "Unknown"))
    assert profile.label == "Photo Paper · Canon"
    assert _profile(brand=_interests("unknown")).label == "Segment 5"


def test_label_falls_back_to_topics_then_to_the_number() -> None:
    assert _profile(topic=_interests("gel", "uv lamp")).label == "gel & uv lamp"
    assert _profile().label == "Segment 5"


def test_label_separates_names_that_hold_an_ampersand_by_a_comma() -> None:
    profile = _profile(category=_interests("Top & Base Coats", "Nail Polish"))
    assert profile.label == "Top & Base Coats, Nail Polish"
