"""Persian knowledge base: articles, normalization, retrieval and the answer decision."""
