"""Questions two articles share: the bot cannot tell which one a customer who asks it means.

A question that is word for word (after normalization) one article's phrasing is answered with
that article for certain; one that belongs to two articles is not (kb.index keeps it out of the
exact phrasings), and the two are ranked against each other like any question: often choices
instead of an answer. That is rarely what the editor meant, so `kb check` and the bot's log
name it as a warning, at the later article's line, pointing at the first.
"""

from __future__ import annotations

from pathlib import Path

from kb.article import Article, ArticleError
from kb.index import KBIndex, search_key
from kb.texts import SHARED_QUESTION


def shared_phrasing_warnings(index: KBIndex) -> tuple[ArticleError, ...]:
    """One warning per article that repeats a phrasing an earlier article already has."""
    articles = index.articles_
    warnings = []
    for key, positions in index.shared_.items():
        first = articles[positions[0]]
        where = _location(first, key)
        for position in positions[1:]:
            article = articles[position]
            phrasing = _phrasing(article, key)
            path = article.path or Path(article.id)
            warnings.append(
                ArticleError(
                    path,
                    _line_of(article.path, phrasing),
                    SHARED_QUESTION.format(phrasing=phrasing, other=first.id, where=where),
                    warning=True,
                )
            )
    return tuple(sorted(warnings, key=lambda w: (str(w.path), w.line, w.message)))


def _phrasing(article: Article, key: str) -> str:
    """The article's own wording of the phrasing with this search key."""
    return next((p for p in article.phrasings if search_key(p) == key), article.title)


def _location(article: Article, key: str) -> str:
    if article.path is None:
        return article.id
    return f"{article.path}:{_line_of(article.path, _phrasing(article, key))}"


def _line_of(path: Path | None, phrasing: str) -> int:
    """The front-matter line that holds the phrasing as written (its own list item or title
    line first, then any line containing it); else the id line, else 1."""
    if path is None:
        return 1
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    front = list(enumerate(lines[1:], start=2))
    end = next((i for i, (_, line) in enumerate(front) if line.strip() == "---"), len(front))
    front = front[:end]
    for number, line in front:
        value = line.strip().removeprefix("-").removeprefix("title:").strip().strip("'\"")
        if value == phrasing:
            return number
    found = next((n for n, line in front if phrasing in line), None)
    if found is not None:
        return found
    return next((n for n, line in front if line.lstrip().startswith("id:")), 1)
