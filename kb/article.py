"""The article model shared by the loader, the index and the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.texts import PROBLEM_WARNING

TELEGRAM_TEXT_LIMIT = 4096
# The characters of a title a button shows (category lists, suggestions); longer ones are cut.
BUTTON_TITLE_MAX = 60


@dataclass(frozen=True, slots=True)
class Article:
    """One KB article as loaded from its Markdown file."""

    id: str
    title: str
    body: str
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    category: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every way customers ask for this article: the title first, then the questions."""
        return (self.title, *self.questions)


@dataclass(frozen=True, slots=True)
class ArticleError:
    """A problem in one article file, located for the editor."""

    path: Path
    line: int
    message: str
    # A warning leaves the article in service (Markdown Telegram cannot show, see kb.markup).
    warning: bool = False

    def __str__(self) -> str:
        kind = PROBLEM_WARNING if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"
