"""Item semantics: text embeddings from the bundled MiniLM encoder, and topics made from them."""

from interestgraph.semantics.enrich import TopicReport, TopicSummary, enrich_items
from interestgraph.semantics.item_text import TextEncoder, build_item_text

__all__ = ["TextEncoder", "TopicReport", "TopicSummary", "build_item_text", "enrich_items"]
