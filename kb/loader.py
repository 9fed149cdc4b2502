"""Read Markdown articles with YAML front matter and report every problem with file and line."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb import texts
from kb.article import BUTTON_TITLE_MAX, TELEGRAM_TEXT_LIMIT, Article, ArticleError
from kb.markup import editors_notes_removed, markup_warnings, plain_text, title_warning
from kb.texts import fa_number as fa

ALLOWED_FIELDS = frozenset({"id", "title", "questions", "tags", "category"})
# Ids travel inside callback_data (64 bytes with a short prefix), so keep them short and ASCII.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,47}$")
MAX_TITLE = 200
MAX_QUESTION = 500
FENCE = "---"
# Control characters an editor cannot see (a PDF's copy brings them): tab and line ends aside.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Line breaks to YAML that editors show as nothing (NEL, LINE and PARAGRAPH SEPARATOR): in the
# front matter a line holding one is two lines to YAML, whose error then names another line.
_YAML_BREAK = re.compile("[\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Every good article found, and every problem, sorted by file."""

    articles: tuple[Article, ...]
    errors: tuple[ArticleError, ...]
    files: int
    # What Telegram will not show as written; those articles are served all the same.
    warnings: tuple[ArticleError, ...] = ()
    # The files that gave no article (a broken edit), each with the id its «id:» line declares
    # when one can be read: their last good version may be served.
    broken: tuple[tuple[Path, str | None], ...] = ()
    # Folders that could not be listed (their articles may be there all the same).
    unreadable: tuple[Path, ...] = ()


def article_files(kb_dir: Path, *, unreadable: list[tuple[Path, str]] | None = None) -> list[Path]:
    """List article files under `kb_dir` (``.md`` in any case, through linked folders),
    sorted, skipping hidden and underscore-prefixed names.

    A folder that cannot be listed (no permission to) is added to `unreadable` with the
    reason; a file name that can be listed but not looked at is listed, so that reading it
    says why it cannot be read.
    """
    if not kb_dir.is_dir():
        return []

    def note(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append((Path(error.filename or kb_dir), error.strerror or str(error)))

    found: list[Path] = []
    seen: set[str] = set()  # folders already walked: a link back up must not loop
    for folder, folders, names in os.walk(kb_dir, onerror=note, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            folders.clear()
            continue
        seen.add(real)
        folders[:] = [name for name in folders if not name.startswith((".", "_"))]
        for name in names:
            path = Path(folder, name)
            if (
                name.lower().endswith(".md")
                and not name.startswith((".", "_"))
                and name.lower() != "readme.md"
                and _may_be_a_file(path)
            ):
                found.append(path)
    return sorted(found)


def unlistable(folder: Path) -> str | None:
    """Why `folder` cannot be listed (its permissions), or None when it can: read as empty,
    an articles folder would hand every question to a person."""
    try:
        with os.scandir(folder):
            return None
    except OSError as error:
        return error.strerror or str(error)


def _may_be_a_file(path: Path) -> bool:
    """Whether `path` is a file, or cannot be looked at (its folder lets names be listed, not
    read), or is a link to nothing or to itself (a target deleted or not deployed yet: reading
    it says so, and the last good version stays in service); not a folder, nor a file gone
    since the folder was listed."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ELOOP):
            return path.is_symlink()
        return error.errno != errno.ENOTDIR


# What tells one version of a file from another without reading it. The inode and the change
# time too: a file put in place by a rename, or by a copy that keeps its modification time and
# size (rsync -t, cp -p), is a new version all the same.
FileStamp = tuple[int, int, int, int]


def file_stamp(path: Path) -> FileStamp:
    """The stamp of the file at `path` (raises OSError when there is none)."""
    info = path.stat()
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)


@dataclass(frozen=True, slots=True)
class _Parsed:
    stamp: FileStamp
    article: Article | None
    problems: tuple[ArticleError, ...]
    declared: str | None  # a broken file's «id:» (see declared_id)


class ParsedFiles:
    """What each article file gave when last read, kept while the file stays as it was: a
    reload reads again only the files saved since (YAML is most of a large KB's load time)."""

    def __init__(self) -> None:
        self._by_path: dict[Path, _Parsed] = {}

    def parse(self, path: Path, kb_dir: Path) -> _Parsed:
        try:
            stamp = file_stamp(path)  # before reading: a save after it is read again next time
        except OSError:
            return _parse_file(path, kb_dir)
        kept = self._by_path.get(path)
        if kept is not None and kept.stamp == stamp:
            return kept
        try:
            raw = path.read_bytes()
            unchanged = file_stamp(path) == stamp
        except OSError:  # a file descriptor short, a network mount's hiccup: told, read again
            self._by_path.pop(path, None)
            return _parse_file(path, kb_dir)
        parsed = _parse_bytes(raw, path, kb_dir, stamp)
        if unchanged:  # else saved while read: read again at the next reload
            self._by_path[path] = parsed
        else:
            self._by_path.pop(path, None)
        return parsed

    def keep_only(self, paths: Iterable[Path]) -> None:
        """Forget the files that are gone."""
        wanted = set(paths)
        for path in [path for path in self._by_path if path not in wanted]:
            del self._by_path[path]


_NO_STAMP: FileStamp = (0, 0, 0, 0)


def _parse_file(path: Path, kb_dir: Path) -> _Parsed:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = ArticleError(path, 0, texts.UNREADABLE_FILE.format(reason=exc.strerror))
        return _Parsed(_NO_STAMP, None, (problem,), None)
    return _parse_bytes(raw, path, kb_dir, _NO_STAMP)


def _parse_bytes(raw: bytes, path: Path, kb_dir: Path, stamp: FileStamp) -> _Parsed:
    article, problems = parse_article_bytes(raw, path, kb_dir)
    declared = None
    if article is None:
        with contextlib.suppress(UnicodeDecodeError):
            declared = _declared_in(raw.decode("utf-8-sig").splitlines())
    return _Parsed(stamp, article, tuple(problems), declared)


def load_articles(
    kb_dir: Path,
    *,
    serving: Mapping[str, Path] | None = None,
    parsed: ParsedFiles | None = None,
) -> LoadResult:
    """Load every article under `kb_dir`; a broken file is reported and left out.

    Of files sharing an id, one is served and each is reported: the one `serving` names for it
    (the file in service until now: an editor's copy must not replace it), else the oldest.
    With `parsed`, files unchanged since it last read them are not read again.
    """
    unreadable: list[tuple[Path, str]] = []
    files = article_files(kb_dir, unreadable=unreadable)
    errors = [
        ArticleError(folder, 0, texts.UNREADABLE_FOLDER.format(reason=reason))
        for folder, reason in unreadable
    ]
    warnings: list[ArticleError] = []
    by_id: dict[str, list[tuple[Path, Article]]] = {}
    broken: list[tuple[Path, str | None]] = []
    for path in files:
        read = parsed.parse(path, kb_dir) if parsed is not None else _parse_file(path, kb_dir)
        errors.extend(p for p in read.problems if not p.warning)
        warnings.extend(p for p in read.problems if p.warning)
        if read.article is not None:
            by_id.setdefault(read.article.id, []).append((path, read.article))
        else:
            broken.append((path, read.declared))
    if parsed is not None:
        parsed.keep_only(files)
    articles: list[tuple[Path, Article]] = []
    for article_id, sharing in by_id.items():
        kept = _served_of([path for path, _ in sharing], (serving or {}).get(article_id))
        articles += [(path, article) for path, article in sharing if path == kept]
        others = [path for path, _ in sharing if path != kept]
        for other in others:
            message = texts.DUPLICATE_ID_SERVED_ELSEWHERE.format(id=article_id, kept=kept)
            errors.append(ArticleError(other, id_line(other), message))
        if others:
            message = texts.DUPLICATE_ID_SERVED_HERE.format(
                id=article_id, others="، ".join(map(str, others))
            )
            errors.append(ArticleError(kept, id_line(kept), message))
    if not kb_dir.is_dir():
        errors.append(ArticleError(kb_dir, 0, texts.NO_KB_DIRECTORY))
    errors.sort(key=lambda error: (str(error.path), error.line))
    served = tuple(article for _, article in sorted(articles, key=lambda pair: pair[0]))
    return LoadResult(
        served,
        tuple(errors),
        len(files),
        tuple(warnings),
        tuple(broken),
        tuple(folder for folder, _ in unreadable),
    )


def _served_of(paths: list[Path], serving: Path | None) -> Path:
    """Which of several files with one id to serve: the one in service, else the oldest (a copy
    is newer than what it copies), else the first by name."""
    if serving in paths:
        return serving

    def age(path: Path) -> tuple[float, str]:
        try:
            return (path.stat().st_mtime, str(path))
        except OSError:
            return (float("inf"), str(path))

    return min(paths, key=age)


def parse_article_file(path: Path, kb_dir: Path) -> tuple[Article | None, list[ArticleError]]:
    """Parse one file; return the article (or None) and the problems found in it."""
    parsed = _parse_file(path, kb_dir)
    return parsed.article, list(parsed.problems)


def parse_article_bytes(
    raw: bytes, path: Path, kb_dir: Path
) -> tuple[Article | None, list[ArticleError]]:
    """Parse the bytes read from the article file at `path`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [ArticleError(path, line, texts.NOT_UTF8)]
    return parse_article_text(text, path=path, default_category=folder_category(path, kb_dir))


def parse_article_text(
    text: str, *, path: Path, default_category: str = ""
) -> tuple[Article | None, list[ArticleError]]:
    """Parse front matter and body from the text of one article file; the problems include
    warnings (`ArticleError.warning`), which do not keep the article out."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    controls = _lines_holding(_CONTROL, lines, path, first=1)
    if controls:  # PostgreSQL refuses U+0000 in text: the answer could not be logged, nor sent
        return None, controls
    if not lines or lines[0].strip() != FENCE:
        return None, [ArticleError(path, 1, texts.NO_FRONT_MATTER)]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        return None, [ArticleError(path, 1, texts.UNCLOSED_FRONT_MATTER)]
    header = "\n".join(lines[1:end])
    answer, unclosed = editors_notes_removed(lines[end + 1 :])
    body = "\n".join(answer).strip()
    fields, errors = _parse_front_matter(header, path)
    if fields is None:
        return None, _lines_holding(_YAML_BREAK, lines[1:end], path, first=2) or errors

    def err(key: str, message: str) -> None:
        errors.append(ArticleError(path, fields_lines.get(key, 1), message))

    fields_lines = {key: line for key, (_, line) in fields.items()}
    for key in fields:
        if key not in ALLOWED_FIELDS:
            err(key, texts.UNKNOWN_FIELD.format(key=key, allowed="، ".join(sorted(ALLOWED_FIELDS))))

    article_id = _string(fields, "id", err, required=True)
    if article_id is not None and not ID_PATTERN.match(article_id):
        err("id", texts.BAD_ID.format(id=article_id))
        article_id = None
    title = _string(fields, "title", err, required=True)
    if title is not None and len(title) > MAX_TITLE:
        err("title", texts.TITLE_TOO_LONG.format(length=fa(len(title)), limit=fa(MAX_TITLE)))
    questions = _string_list(fields, "questions", err, max_len=MAX_QUESTION)
    tags = _string_list(fields, "tags", err, max_len=100)
    category = _string(fields, "category", err, required=False) or default_category
    if not body:
        errors.append(ArticleError(path, end + 1, texts.EMPTY_ANSWER))
    elif title is not None and (size := _shown_size(title, body)) > TELEGRAM_TEXT_LIMIT:
        errors.append(
            ArticleError(
                path,
                end + 2,
                texts.ANSWER_TOO_LONG.format(size=fa(size), limit=fa(TELEGRAM_TEXT_LIMIT)),
            )
        )
    warnings = [
        ArticleError(path, line, message, warning=True)
        for line, message in markup_warnings(answer, first_line=end + 2)
    ]
    if title is not None and MAX_TITLE >= len(title) > BUTTON_TITLE_MAX:
        cut = texts.TITLE_CUT_ON_BUTTONS.format(length=fa(len(title)), limit=fa(BUTTON_TITLE_MAX))
        warnings.append(ArticleError(path, fields_lines.get("title", 1), cut, True))
    if title is not None and (shown_as_typed := title_warning(title)):
        warnings.append(ArticleError(path, fields_lines.get("title", 1), shown_as_typed, True))
    warnings += [
        ArticleError(path, end + 2 + at, texts.MARKUP_UNCLOSED_COMMENT, True) for at in unclosed
    ]
    if errors or article_id is None or title is None:
        return None, errors + warnings
    article = Article(
        id=article_id,
        title=title,
        body=body,
        questions=tuple(dict.fromkeys(questions)),
        tags=tuple(tags),
        category=category,
        path=path,
    )
    return article, warnings


def _lines_holding(
    characters: re.Pattern[str], lines: list[str], path: Path, *, first: int
) -> list[ArticleError]:
    """The lines (the first being file line `first`) that hold one of `characters`, which an
    editor cannot see: each named on its file line by its code."""
    return [
        ArticleError(path, number, texts.CONTROL_CHARACTER.format(code=f"U+{ord(found[0]):04X}"))
        for number, line in enumerate(lines, start=first)
        if (found := characters.findall(line))
    ]


def _shown_size(title: str, body: str) -> int:
    """The length Telegram counts for the article as one message (UTF-16 units of the text
    shown: a link's address takes no room)."""
    shown = f"{title}\n\n{plain_text(body, addresses=False)}"
    return len(shown.encode("utf-16-le")) // 2


_Fields = dict[str, tuple[object, int]]
_Err = Callable[[str, str], None]


# YAML 1.1 reads «010» as 8, «1.50» as 1.5, «12:30» as 750 and «yes» as true: an id or a
# question would change silently. In front matter every value is text (or empty).
_TYPED_SCALARS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("int", "float", "bool", "timestamp")
)


class _TextLoader(yaml.SafeLoader):
    """SafeLoader whose plain scalars are all text (or null)."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _TYPED_SCALARS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse_front_matter(header: str, path: Path) -> tuple[_Fields | None, list[ArticleError]]:
    """Return {key: (value, file line)} from the YAML header, or located YAML errors."""
    try:
        node = yaml.compose(header, Loader=_TextLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [_yaml_error(header, exc, path)]
    except yaml.YAMLError as exc:  # unmarked YAML errors are rare but possible
        detail = texts.YAML_OTHER
        problem = _first_line(exc)
        return None, [ArticleError(path, 1, texts.BAD_YAML.format(detail=detail, problem=problem))]
    if node is None:
        return None, [ArticleError(path, 2, texts.EMPTY_FRONT_MATTER)]
    if not isinstance(node, yaml.MappingNode):
        return None, [ArticleError(path, node.start_mark.line + 2, texts.NOT_KEY_VALUE)]
    fields: _Fields = {}
    errors: list[ArticleError] = []
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 2
        key = str(key_node.value)
        if key in fields:
            errors.append(ArticleError(path, line, texts.FIELD_TWICE.format(key=key)))
            continue
        try:
            value = _TextLoader(header).construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:
            errors.append(ArticleError(path, line, _yaml_value_error(key, exc)))
            continue
        fields[key] = (value, line)
    if errors:
        return None, errors
    return fields, []


# PyYAML's problems, by how they begin, as an editor would fix them; whether the line to name
# is where the problem began (a quote, a «[» or a «{» left open) rather than where PyYAML
# noticed it (a later line, or the end). The English stays after the Persian, in parentheses,
# for a search.
_YAML_PROBLEMS: tuple[tuple[str, str, bool], ...] = (
    ("expected ',' or ']'", texts.YAML_UNCLOSED_LIST, True),
    ("expected ',' or '}'", texts.YAML_UNCLOSED_MAP, True),
    ("mapping values are not allowed", texts.YAML_COLON_IN_VALUE, False),
    ("found character '\\t'", texts.YAML_TAB, False),
    ("found character", texts.YAML_BAD_START, False),
    ("found undefined alias", texts.YAML_ALIAS, False),
    ("found unexpected end of stream", texts.YAML_UNCLOSED_QUOTE, True),
    ("expected <block end>", texts.YAML_INDENT, False),
    ("did not find expected", texts.YAML_INDENT, False),
    ("expected <block mapping start>", texts.YAML_INDENT, False),
)
# A header line that says «key: value» (or is a list item, a comment, a bracket's rest).
_KEY_VALUE = re.compile(r":(\s|$)")
_NOT_A_FIELD_LINE = ("#", "-", "[", "]", "{", "}", ",", '"', "'", "|", ">", "?")


def _yaml_error(header: str, exc: yaml.MarkedYAMLError, path: Path) -> ArticleError:
    """The YAML problem in Persian, with the file line where the editor can fix it."""
    problem = exc.problem or exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 2 if mark is not None else 1
    # The commonest slip, a line with no «:», PyYAML notices late or words oddly.
    stray = _line_without_colon(header, last=line)
    if stray is not None:
        return ArticleError(path, stray, texts.NOT_KEY_VALUE)
    if problem.startswith("could not find expected ':'"):
        start = exc.context_mark.line + 2 if exc.context_mark is not None else line
        return ArticleError(path, start, texts.NOT_KEY_VALUE)
    detail = texts.YAML_OTHER
    for start_of_problem, message, at_start in _YAML_PROBLEMS:
        if problem.startswith(start_of_problem):
            if at_start and exc.context_mark is not None:
                line = exc.context_mark.line + 2
            found = re.search(r"'(.+?)'", problem)
            detail = message.format(character=found.group(1) if found else "")
            break
    return ArticleError(path, line, texts.BAD_YAML.format(detail=detail, problem=problem))


def _line_without_colon(header: str, *, last: int) -> int | None:
    """The first file line up to `last` that starts a field but has no «key: value» colon."""
    for number, line in enumerate(header.split("\n"), start=2):
        if number > last:
            break
        if (
            line.strip()
            and not line[0].isspace()
            and not line.startswith(_NOT_A_FIELD_LINE)
            and not _KEY_VALUE.search(line)
        ):
            return number
    return None


def _yaml_value_error(key: str, exc: yaml.YAMLError) -> str:
    """A value PyYAML parsed but cannot build (a «!!tag»), in Persian."""
    problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) else None
    problem = problem or _first_line(exc)
    found = re.search(r"constructor for the tag '(tag:yaml\.org,2002:)?(.+?)'", problem)
    if found:  # as the editor typed it: «!!python/object», «!foo»
        tag = ("!!" if found.group(1) else "") + found.group(2)
        detail = texts.YAML_TAG.format(tag=tag)
    else:
        detail = texts.YAML_OTHER
    return texts.BAD_YAML_VALUE.format(key=key, detail=detail, problem=problem)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().split("\n", 1)[0]


def _string(fields: _Fields, key: str, err: _Err, *, required: bool) -> str | None:
    if key not in fields or fields[key][0] is None:
        if required:
            err(key, texts.FIELD_REQUIRED.format(key=key))
        return None
    value = fields[key][0]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        err(key, texts.FIELD_NOT_TEXT.format(key=key))
        return None
    text = str(value).strip()
    if not text:
        if required:
            err(key, texts.FIELD_EMPTY.format(key=key))
        return None
    return text


def _string_list(fields: _Fields, key: str, err: _Err, *, max_len: int) -> list[str]:
    if key not in fields or fields[key][0] is None:
        return []
    value = fields[key][0]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        err(key, texts.FIELD_NOT_LIST.format(key=key))
        return []
    out: list[str] = []
    for item in value:
        if (
            isinstance(item, bool)
            or not isinstance(item, str | int | float)
            or not str(item).strip()
        ):
            err(key, texts.ITEM_NOT_TEXT.format(key=key))
            continue
        text = str(item).strip()
        if len(text) > max_len:
            err(key, texts.ITEM_TOO_LONG.format(key=key, length=fa(len(text)), limit=fa(max_len)))
            continue
        out.append(text)
    return out


def folder_category(path: Path, kb_dir: Path) -> str:
    """The category of an article that names none: its top folder under `kb_dir`."""
    try:
        parent = path.parent.relative_to(kb_dir)
    except ValueError:
        return ""
    return parent.parts[0] if parent.parts else ""


# A top-level «id: …» line, its value perhaps quoted, perhaps followed by a comment.
_ID_LINE = re.compile(r"""^id\s*:\s*(["']?)([^"'#\s]+)\1\s*(#.*)?$""")


def declared_id(path: Path) -> str | None:
    """The id a file's front matter declares on its «id:» line, read line by line so that a
    file broken elsewhere (a list left open, the closing «---» not written yet) still names
    it; None when there is no such line or no valid id on it."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return _declared_in(lines)


def _declared_in(lines: list[str]) -> str | None:
    if not lines or lines[0].strip() != FENCE:
        return None
    for line in lines[1:]:
        if line.strip() == FENCE:
            break
        found = _ID_LINE.match(line.rstrip())
        if found:
            return found.group(2) if ID_PATTERN.match(found.group(2)) else None
    return None


def id_line(path: Path) -> int:
    try:
        lines: Iterable[str] = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("id:"):
            return number
    return 1
