"""KB settings from the environment or `.env`: where the articles are and where decisions change."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb.confidence import ConfidenceModel
from kb.semantic import EmbeddingStore, load_encoder
from kb.service import KnowledgeBase

# How every Pasokh command reads its settings: the environment, then `.env`; other names are
# ignored, and an empty value ("L2_CHAT_ID=", as in .env.example) means unset.
FROM_ENVIRONMENT = SettingsConfigDict(
    env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
)


class KBSettings(BaseSettings):
    """KB_DIR, semantic matching, and the optional threshold overrides (unset: the tuned values
    in kb/model.json)."""

    model_config = FROM_ENVIRONMENT

    kb_dir: Path = Path("kb/articles")
    kb_answer_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    kb_suggest_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    kb_suggest_gap: float | None = Field(default=None, ge=0.0, le=1.0)
    kb_reload_interval: float = Field(default=2.0, gt=0.0)
    # Match questions by meaning too (a bundled sentence encoder); off: words only, faster.
    kb_semantic: bool = True
    # Where sentence vectors of the articles are kept between runs (a SQLite file).
    kb_embedding_cache: Path = Path("data/kb-embeddings.sqlite3")

    def knowledge_base(
        self, kb_dir: Path | None = None, *, serve_first: bool = False
    ) -> KnowledgeBase:
        """The KB these settings describe: its folder, thresholds and matching (blocking).

        `serve_first`: answer by words while the articles' sentence vectors are still to be
        encoded (see KnowledgeBase), rather than wait for them.
        """
        encoder = load_encoder() if self.kb_semantic else None
        store = EmbeddingStore(self.kb_embedding_cache) if encoder is not None else None
        return KnowledgeBase(
            kb_dir or self.kb_dir,
            self.confidence_model(),
            encoder=encoder,
            store=store,
            serve_first=serve_first,
        )

    def confidence_model(self) -> ConfidenceModel:
        """The tuned model with any thresholds this configuration overrides."""
        model = ConfidenceModel.load()
        overrides = {
            name: value
            for name, value in (
                ("answer", self.kb_answer_threshold),
                ("suggest", self.kb_suggest_threshold),
                ("suggest_gap", self.kb_suggest_gap),
            )
            if value is not None
        }
        return model.with_thresholds(**overrides) if overrides else model
