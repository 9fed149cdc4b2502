"""The KB as the rest of the program sees it: load, ask, and pick up edited files while running."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from kb import texts
from kb.article import Article, ArticleError
from kb.confidence import ConfidenceModel
from kb.decision import Decision
from kb.engine import Engine
from kb.index import KBIndex
from kb.latin import known_share
from kb.loader import (
    FileStamp,
    ParsedFiles,
    article_files,
    file_stamp,
    folder_category,
    id_line,
    load_articles,
)
from kb.memory import give_back_freed_memory
from kb.normalize import alphabetical, has_latin, has_persian
from kb.overlap import shared_phrasing_warnings
from kb.semantic import EmbeddingStore, Encoder, SemanticIndex
from kb.term_counts import IndexCounts

T = TypeVar("T")
# The share of a Latin message's Persian reading that must be known words for `reading`.
READING_KNOWN = 0.5
log = logging.getLogger(__name__)

_Stamp = tuple[tuple[str, FileStamp], ...]

# The lexical score from which an article is worth naming to an agent who looked it up by
# words (below the suggest threshold: a person picks among them, not a customer).
LOOKUP_MIN_SCORE = 0.2

# With `serve_first`, a build that would encode more texts than this (about a second of
# encoding) serves by words at once and leaves the encoding to the next reload.
ENCODE_BEFORE_SERVING = 64


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """Everything one query needs; replaced as a whole so a query never sees half a reload."""

    engine: Engine
    articles: dict[str, Article]
    errors: tuple[ArticleError, ...]
    stamp: _Stamp
    # Served by words while the sentence vectors wait for the next reload.
    encoding_deferred: bool = False
    # Markdown that Telegram will not show as written, questions two articles share (the
    # articles are served).
    warnings: tuple[ArticleError, ...] = ()
    # An article is held for a file that vanished since the last poll (see _keep_last_good):
    # the next reload looks again even if nothing changed.
    held: bool = False


class KnowledgeBase:
    """Articles from a directory, searchable, reloaded when the files change."""

    def __init__(
        self,
        kb_dir: Path,
        model: ConfidenceModel | None = None,
        *,
        encoder: Encoder | None = None,
        store: EmbeddingStore | None = None,
        serve_first: bool = False,
    ) -> None:
        """`encoder` turns on semantic matching (see kb.semantic); `store` keeps its vectors.

        With `serve_first`, articles whose vectors are not in `store` yet (a first start, a
        large edit) are served by words at once, and the next `reload` (which `watch` runs
        straight away) encodes them and swaps in matching by meaning. Without it, a build
        encodes before it serves, so every answer is the final one (the command line).
        """
        self.kb_dir = Path(kb_dir)
        self.model = model or ConfidenceModel.load()
        self.encoder = encoder
        self.store = store if store is not None else EmbeddingStore()
        self.serve_first = serve_first
        self._reload_lock = threading.Lock()
        # What the last build read and analysed: a reload redoes only what an edit changed.
        self._parsed = ParsedFiles()
        self._term_counts = IndexCounts()
        self._problems_logged: dict[str, frozenset[str]] = {}
        self._snapshot = self._build(self._stamp(), previous=None, may_defer=serve_first)

    # -- queries ---------------------------------------------------------------------------

    def ask(self, text: str) -> Decision:
        """Decide how to answer `text`; never raises for any string."""
        return self._snapshot.engine.decide(text if isinstance(text, str) else "")

    def ask_now(self, text: str) -> Decision | None:
        """`ask` when it takes no sentence encoding (a repeated question, a phrasing word for
        word, semantic matching off); None when it would: call `ask` off the event loop."""
        return self._snapshot.engine.decide_now(text if isinstance(text, str) else "")

    def question_vectors(self, texts: Sequence[str]) -> np.ndarray | None:
        """Sentence vectors of many questions at once, kept so that asking the KB about each
        next encodes nothing again; None when matching by meaning is off."""
        semantic = self._snapshot.engine.semantic
        return None if semantic is None else semantic.prepare(texts)

    def reading(self, text: str) -> str:
        """What the KB reads `text` as: its best Persian reading when it is typed in Latin
        letters (Finglish, or on an English keyboard layout) and most of that reading's
        words are Persian words the KB or everyday speech knows; else the text itself
        (English such as «zoom» or «I need help» has a reading too, made of nonsense)."""
        if not has_latin(text) or has_persian(text):
            return text
        engine = self._snapshot.engine
        reading = engine.assess_lexically(text).text or text
        if reading == text or known_share(reading, engine.index.vocabulary_) < READING_KNOWN:
            return text
        return reading

    def get(self, article_id: str) -> Article | None:
        return self._snapshot.articles.get(article_id)

    def lookup(self, text: str, limit: int = 3) -> list[Article]:
        """The articles an agent may have meant by `text` that is not an id: ids spelled nearly
        so first, then the articles its words match best (by words only: quick, no encoding)."""
        snapshot = self._snapshot
        key = text.strip().lower()
        if not key:
            return []
        near = process.extract(
            key, list(snapshot.articles), scorer=fuzz.WRatio, limit=limit, score_cutoff=80
        )
        found = dict.fromkeys(article_id for article_id, _, _ in near)
        index = snapshot.engine.index
        for candidate in index.rank(text, limit=limit).candidates:
            if candidate.score >= LOOKUP_MIN_SCORE:
                found.setdefault(index.articles_[candidate.index].id)
        return [snapshot.articles[article_id] for article_id in list(found)[:limit]]

    def categories(self) -> list[str]:
        """The categories, in Persian alphabetical order."""
        names = {a.category for a in self._snapshot.articles.values() if a.category}
        return sorted(names, key=lambda name: (alphabetical(name), name))

    def in_category(self, category: str) -> list[Article]:
        """A category's articles, by title in Persian alphabetical order."""
        return sorted(
            (a for a in self._snapshot.articles.values() if a.category == category),
            key=lambda a: (alphabetical(a.title), a.title),
        )

    @property
    def articles(self) -> tuple[Article, ...]:
        return self._snapshot.engine.index.articles_

    @property
    def semantic(self) -> bool:
        """Whether questions are matched by meaning as well as by words."""
        return self._snapshot.engine.semantic is not None

    @property
    def encoding_deferred(self) -> bool:
        """Whether matching by meaning waits for the next reload to encode the articles."""
        return self._snapshot.encoding_deferred

    @property
    def errors(self) -> tuple[ArticleError, ...]:
        return self._snapshot.errors

    @property
    def warnings(self) -> tuple[ArticleError, ...]:
        """Lines of served articles that Telegram will not show as the editor wrote them."""
        return self._snapshot.warnings

    def __len__(self) -> int:
        return len(self._snapshot.articles)

    # -- reloading -------------------------------------------------------------------------

    def reload(self, *, force: bool = False) -> bool:
        """Re-read the directory if anything changed; True when the served index was replaced.

        Blocking (reads files, fits the index): call it from a worker thread in async code.
        """
        with self._reload_lock:
            # Once a day: what is served is marked used in the vector cache file, and what no
            # process has used for a month deleted from it.
            self.store.refresh()
            current = self._snapshot
            stamp = self._stamp()
            if (
                stamp == current.stamp
                and not force
                and not current.encoding_deferred
                and not current.held
            ):
                return False
            # A deferred encoding is done now, edits or not: deferring again could put it off
            # for as long as an editor keeps saving.
            may_defer = self.serve_first and not current.encoding_deferred
            started = time.monotonic()
            snapshot = self._build(stamp, previous=current, may_defer=may_defer)
            changed = snapshot.engine is not current.engine
            self._snapshot = snapshot
            if current.encoding_deferred and not snapshot.encoding_deferred and self.semantic:
                log.info(
                    "KB: matching by meaning is ready (%d articles, %.0f s of encoding)",
                    len(snapshot.articles),
                    time.monotonic() - started,
                )
            if changed:
                del current  # the index replaced is freed now (unless a query still holds it)
                give_back_freed_memory()
            return changed

    async def watch(self, interval: float = 2.0) -> None:
        """Poll the directory forever and reload in a thread of its own; cancel the task to stop
        (a reload still running, a first encoding of minutes say, does not hold the exit up).

        A deferred encoding (`serve_first`) starts at once, not after the first interval.
        """
        delay = 0.0 if self.encoding_deferred else interval
        while True:
            await asyncio.sleep(delay)
            delay = interval
            try:
                if await _in_daemon_thread(self.reload):
                    log.info("KB reloaded: %d articles", len(self))
            except Exception:  # keep serving the last good index whatever a reload hits
                log.exception("KB reload failed; the previous version stays in service")

    def _log_problems(self, kind: str, problems: Sequence[ArticleError]) -> None:
        """Log each problem of a `kind` once, when it first appears: a KB with hundreds of
        them would otherwise repeat them all at every save of any file."""
        said = {str(problem) for problem in problems}
        logged = self._problems_logged.get(kind, frozenset())
        for problem in problems:
            if str(problem) not in logged:
                log.warning("KB article problem: %s", problem)
        still = len(said & logged)
        if still:
            log.info("KB: %d %s as before (python -m kb check lists them)", still, kind)
        self._problems_logged[kind] = frozenset(said)

    def _stamp(self) -> _Stamp:
        stamps: list[tuple[str, FileStamp]] = []
        for path in article_files(self.kb_dir):
            try:
                stamps.append((str(path), file_stamp(path)))
            except OSError:
                with contextlib.suppress(OSError):  # a link to nothing: the link's own stamp
                    info = path.lstat()
                    stamps.append((str(path), (info.st_mtime_ns, -1, info.st_ino, 0)))
        return tuple(stamps)

    def _build(self, stamp: _Stamp, previous: _Snapshot | None, *, may_defer: bool) -> _Snapshot:
        in_service = {
            article.id: article.path
            for article in (previous.articles.values() if previous is not None else ())
            if article.path is not None
        }
        result = load_articles(self.kb_dir, serving=in_service, parsed=self._parsed)
        articles = {a.id: a for a in result.articles}
        errors = result.errors
        held = False
        if previous is not None and not self.kb_dir.is_dir():
            # The folder is gone (unmounted, moved, mid-deploy): not an editor deleting every
            # article. Handing every customer to a person would be the worst answer.
            articles = previous.articles
        elif previous is not None:
            kept = _keep_last_good(
                articles,
                dict(result.broken),
                previous.articles,
                kb_dir=self.kb_dir,
                files={Path(name) for name, _ in stamp},
                were={Path(name) for name, _ in previous.stamp},
            )
            articles, held = kept.articles, kept.held
            if result.unreadable:
                # A folder that cannot be listed now (its permissions changed mid-deploy) is
                # not an editor deleting its articles: what was served from it stays.
                articles = dict(articles)
                for article in previous.articles.values():
                    if article.id not in articles and _within(article.path, result.unreadable):
                        articles[article.id] = article
            if kept.errors:
                errors = tuple(sorted((*errors, *kept.errors), key=_by_place))
        # Before the index is built (a build that fails must not hide the editor's mistake).
        self._log_problems("article problems", (*errors, *result.warnings))
        if (
            previous is not None
            and articles == previous.articles
            and not previous.encoding_deferred
        ):
            shared = shared_phrasing_warnings(previous.engine.index)
            warnings = tuple(sorted((*result.warnings, *shared), key=_by_place))
            return _Snapshot(previous.engine, articles, errors, stamp, warnings=warnings, held=held)
        served = list(articles.values())
        semantic = None
        deferred = False
        if self.encoder is not None and self.model.semantic is not None:
            unencoded = (
                SemanticIndex.unencoded(served, self.encoder, self.store) if may_defer else 0
            )
            if unencoded > ENCODE_BEFORE_SERVING:
                log.info("KB: %d texts to encode; answering by words until they are", unencoded)
                deferred = True
            else:
                semantic = SemanticIndex(served, self.encoder, self.store)
        index = KBIndex(served, self.model.weights, term_counts=self._term_counts)
        engine = Engine(index, self.model, semantic)
        shared = shared_phrasing_warnings(engine.index)
        self._log_problems("questions shared by articles", shared)
        # In the order of the files and their lines, as the editor reads them (kb check).
        warnings = tuple(sorted((*result.warnings, *shared), key=_by_place))
        return _Snapshot(engine, articles, errors, stamp, deferred, warnings, held)


@dataclass(frozen=True, slots=True)
class _Kept:
    """The articles to serve after a reload, what to tell the editor about them, and whether
    one is held for a file that vanished (so the next poll looks again, changes or not)."""

    articles: dict[str, Article]
    errors: tuple[ArticleError, ...] = ()
    held: bool = False


def _keep_last_good(
    fresh: dict[str, Article],
    broken: Mapping[Path, str | None],
    served: dict[str, Article],
    *,
    kb_dir: Path,
    files: set[Path],
    were: set[Path],
) -> _Kept:
    """The articles to serve: `fresh` (what the files say now), but the file that was in
    service for an id (`served`) stays in service while it is broken (`broken`: each file that
    gave no article, with the id its «id:» line declares), even when another file (an editor's
    copy in a drafts folder, say) has that id too. One that vanished since the last poll
    (`were`: the files then; `files`: now) is found again by its id in a broken file that
    appeared meanwhile (its folder was renamed); else it is held for one more poll, as editors
    save by renaming (vim's «x.md~», JetBrains' «x.md___jb_old___»): its article leaves
    service, or the copy takes over, only when the file is still gone at the next poll, or at
    once when a file that appeared meanwhile has its id (the file was renamed or moved)."""
    merged = dict(fresh)
    errors: list[ArticleError] = []
    held = False
    for article in served.values():
        path = article.path
        now = fresh.get(article.id)
        if path is None or (now is not None and now.path == path):
            continue
        if path in broken:
            merged[article.id] = article
            if now is not None and now.path is not None:  # the copy is not served: say so
                message = texts.DUPLICATE_ID_SERVED_ELSEWHERE.format(id=article.id, kept=path)
                errors.append(ArticleError(now.path, id_line(now.path), message))
            continue
        moved = now is not None and now.path not in were  # a new file has its id
        if path in files or moved:
            continue
        home = next(
            (new for new, declared in broken.items() if declared == article.id and new not in were),
            None,
        )
        if home is not None:  # moved, and broken on the way: served as from its new place
            merged[article.id] = _moved(article, home, kb_dir)
            if now is not None and now.path is not None:
                message = texts.DUPLICATE_ID_SERVED_ELSEWHERE.format(id=article.id, kept=home)
                errors.append(ArticleError(now.path, id_line(now.path), message))
        elif path in were:
            merged[article.id] = article
            held = True
    return _Kept(merged, tuple(errors), held)


def _moved(article: Article, path: Path, kb_dir: Path) -> Article:
    """`article` as read from `path`: in the new folder's category if it took its old folder's."""
    category = article.category
    if article.path is not None and category == folder_category(article.path, kb_dir):
        category = folder_category(path, kb_dir)
    return replace(article, path=path, category=category)


def _within(path: Path | None, folders: Sequence[Path]) -> bool:
    return path is not None and any(path.is_relative_to(folder) for folder in folders)


def _by_place(error: ArticleError) -> tuple[str, int]:
    return (str(error.path), error.line)


async def _in_daemon_thread(call: Callable[[], T]) -> T:
    """Run `call` in a daemon thread and wait for it. Not asyncio.to_thread: the interpreter
    waits for the default executor's threads at exit, so a stop would wait out a first
    encoding (a minute for the sample KB on a small machine, more for a large one). Cut short,
    the encoding loses nothing: the vectors stored so far are kept, the rest encoded later."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if done.done():
            return  # the waiting task was cancelled meanwhile
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = call()
        except BaseException as failure:  # handed to the waiting task
            error = failure
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="pasokh-kb-reload", daemon=True).start()
    return await done
