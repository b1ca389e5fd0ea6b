"""Interest profiles: what each user cares about, weighted edges to categories, brands, topics."""

from interestgraph.interests.profiles import (
    InterestConfig,
    InterestReport,
    profiles_exist,
    refresh_interests,
)

__all__ = ["InterestConfig", "InterestReport", "profiles_exist", "refresh_interests"]
