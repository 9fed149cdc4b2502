"""KB settings from the environment or `.env`: where the articles are and where decisions change."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb import texts
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
    # Where sentence vectors of the articles are kept between runs (a SQLite file; vectors no
    # process has used for 30 days are deleted from it).
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


class SettingsError(Exception):
    """A malformed KB_* setting or an unreadable `.env`; the message names it, in Persian."""


# pydantic's error types, as an editor reads them; the bounds' types say "out of range".
_PROBLEMS = {
    "bool_parsing": texts.SETTING_NOT_BOOL,
    "bool_type": texts.SETTING_NOT_BOOL,
    "float_parsing": texts.SETTING_NOT_NUMBER,
    "float_type": texts.SETTING_NOT_NUMBER,
    "finite_number": texts.SETTING_NOT_NUMBER,
    "greater_than": texts.SETTING_OUT_OF_RANGE,
    "greater_than_equal": texts.SETTING_OUT_OF_RANGE,
    "less_than": texts.SETTING_OUT_OF_RANGE,
    "less_than_equal": texts.SETTING_OUT_OF_RANGE,
}


def read_settings() -> KBSettings:
    """KBSettings from the environment and `.env`; SettingsError with one line naming the bad
    setting, never pydantic's report or a traceback."""
    try:
        return KBSettings()
    except ValidationError as error:
        raise SettingsError(describe(error)) from None
    except UnicodeDecodeError:
        raise SettingsError(texts.ENV_FILE_NOT_UTF8) from None
    except OSError as error:
        raise SettingsError(texts.ENV_FILE_UNREADABLE.format(reason=error.strerror)) from None


def describe(error: ValidationError) -> str:
    """The first problem as one line: the setting, what is wrong with its value, what to give."""
    first = error.errors(include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    problem = _PROBLEMS.get(first["type"], texts.SETTING_NOT_ACCEPTED)
    return texts.SETTING_BAD.format(
        name=field.upper() or "?",
        value=str(first.get("input", "")),
        problem=problem,
        fix=texts.SETTING_FIX.get(field, texts.SETTING_FIX_ANY),
    )
