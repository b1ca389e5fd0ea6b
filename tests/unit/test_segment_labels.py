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


def test_label_prefers_what_much_of_the_segment_shares_over_a_rare_high_lift() -> None:
    brands = [Interest("belkin", "BELKIN", 0.11, 6.0), Interest("swingline", "Swingline", 0.6, 3.0)]
    categories = [
        Interest("Office > Adapters", "Adapters", 0.13, 5.0),
        Interest("Office > Toner", "Toner", 0.34, 4.0),
        Interest("Office > Phones", "Phones", 0.39, 3.5),
    ]
    assert _profile(category=categories, brand=brands).label == "Phones & Toner · Swingline, BELKIN"


def test_label_skips_a_category_next_to_its_own_parent() -> None:
    categories = [
        Interest("Supplies > Tape", "Tape", 0.5, 4.0),
        Interest("Supplies > Tape > Transparent Tape", "Transparent Tape", 0.45, 4.0),
        Interest("Supplies > Glue", "Glue", 0.3, 3.0),
    ]
    assert _profile(category=categories).label == "Tape & Glue"


def test_label_names_two_categories_of_the_same_name_once() -> None:
    categories = [
        Interest("Women > Eau de Toilette", "Eau de Toilette", 0.5, 8.0),
        Interest("Men > Eau de Toilette", "Eau de Toilette", 0.4, 9.0),
        Interest("Men > Cologne", "Cologne", 0.3, 6.0),
    ]
    assert _profile(category=categories).label == "Eau de Toilette & Cologne"
