"""`kb eval`'s figures, computed by hand over a scripted set of decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.decision import Decision, DecisionKind, Hit
from kb.evaluate import UNANSWERABLE_KINDS, LabelledQuestion, Report, evaluate, read_questions


def _decision(kind: DecisionKind, *ids: str, choices: int = 0) -> Decision:
    hits = tuple(Hit(article_id, article_id, 0.5) for article_id in ids)
    return Decision("", kind, hits, 0.5, n_choices=choices)


# question -> (what the engine decided, the article that answers it, the kind of question)
SCRIPT: dict[str, tuple[Decision, str | None, str]] = {
    "answered rightly": (_decision("answer", "a", "b"), "a", "paraphrase"),
    "answered rightly again": (_decision("answer", "a"), "a", "paraphrase"),
    "answered wrongly": (_decision("answer", "b", "a"), "a", "paraphrase"),
    "offered, right one among the choices": (
        _decision("suggest", "b", "a", "c", choices=2),
        "a",
        "paraphrase",
    ),
    "offered, right one first": (_decision("suggest", "a", "b", choices=2), "a", "paraphrase"),
    "offered, right one ranked but not offered": (
        _decision("suggest", "b", "c", "a", choices=1),
        "a",
        "paraphrase",
    ),
    "handed off": (_decision("handoff", "c"), "a", "paraphrase"),
    "out of scope, answered": (_decision("answer", "a"), None, "out_of_scope"),
    "near miss, offered": (_decision("suggest", "a", choices=1), None, "near_miss"),
}


def _report() -> Report:
    questions = [LabelledQuestion(q, expected, kind) for q, (_, expected, kind) in SCRIPT.items()]
    return evaluate(lambda question: SCRIPT[question][0], questions)


def test_eval_figures_count_each_outcome_where_it_belongs() -> None:
    figures = _report().summary()

    assert (figures["answerable"], figures["unanswerable"]) == (7, 2)
    assert figures["top1"] == pytest.approx(3 / 7)
    assert figures["mrr@5"] == pytest.approx((1 + 1 + 1 / 2 + 1 / 2 + 1 + 1 / 3 + 0) / 7)
    assert figures["coverage"] == pytest.approx(3 / 7)  # answered outright, rightly or not
    assert figures["precision"] == pytest.approx(2 / 3)  # of those answered, right
    assert figures["suggest_recall"] == pytest.approx(2 / 3)  # only the offered choices count
    assert figures["handed_off"] == pytest.approx(1 / 7)
    assert figures["unanswerable_answered"] == pytest.approx(1 / 2)
    # Per kind: answerable kinds by top-1, unanswerable ones by how often choices were offered.
    assert figures["paraphrase.top1"] == pytest.approx(3 / 7)
    assert "paraphrase.suggested" not in figures
    assert (figures["out_of_scope.answered"], figures["out_of_scope.suggested"]) == (1.0, 0.0)
    assert (figures["near_miss.answered"], figures["near_miss.suggested"]) == (0.0, 1.0)
    assert "near_miss.top1" not in figures


def test_eval_misses_are_wrong_answers_and_answerable_questions_handed_off() -> None:
    missed = [item.question for item, _ in _report().misses]

    assert missed == ["answered wrongly", "handed off", "out of scope, answered"]


def test_a_bad_question_line_is_named_by_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "سلام", "expected": null}\n\n{"expected": "a"}\n', "utf-8")
    with pytest.raises(ValueError, match=r"q\.jsonl:3: این سطر پرسش درستی نیست"):
        read_questions(path)

    path.write_text('{"question": 5, "expected": "a"}\n', "utf-8")
    with pytest.raises(ValueError, match=r"q\.jsonl:1: question باید متن باشد"):
        read_questions(path)


def test_a_question_file_saved_with_a_bom_is_read_and_a_bad_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + '{"question": "سلام", "expected": null}\n'.encode())
    assert [q.question for q in read_questions(path)] == ["سلام"]  # Notepad's BOM is no text

    path.write_bytes('{"question": "سلام", "expected": null}\n'.encode() + b'{"question": "\xe9"}')
    with pytest.raises(ValueError, match=r"q\.jsonl:2: فایل پرسش‌ها با کدگذاری UTF-8"):
        read_questions(path)
    with pytest.raises(ValueError, match=r"missing\.jsonl: فایل پرسش‌ها خوانده نشد"):
        read_questions(tmp_path / "missing.jsonl")


def test_a_question_holding_a_unicode_line_separator_is_one_line_of_the_file(
    tmp_path: Path,
) -> None:
    # json.dumps(..., ensure_ascii=False) leaves U+2028, U+2029 and U+0085 as they are (they
    # are no JSON line breaks); a customer's question pasted from a web page or a PDF has them.
    questions = ["رمزم یادم رفته\u2028لطفا کمک کنید", "حسابم قفل شده\x85", "پاراگراف\u2029دوم"]
    lines = [json.dumps({"question": q, "expected": "a"}, ensure_ascii=False) for q in questions]
    path = tmp_path / "q.jsonl"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")  # Windows' line ends too
    assert [q.question for q in read_questions(path)] == questions

    path.write_text("\n".join([*lines, '{"question": "x"}']) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"q\.jsonl:4: «expected» نیامده است"):
        read_questions(path)  # the line the editor's editor shows


def test_a_question_file_with_no_questions_is_refused(tmp_path: Path) -> None:
    # Every limit would be met with nothing measured: a truncated file must not pass CI.
    path = tmp_path / "q.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(ValueError, match="هیچ پرسشی در این فایل نیست"):
        read_questions(path)


def _refused(tmp_path: Path, line: str) -> str:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "سلام", "expected": null, "kind": "out_of_scope"}\n' + line, "utf-8"
    )
    with pytest.raises(ValueError, match=r"q\.jsonl:2: ") as refused:
        read_questions(path)
    return str(refused.value)


def test_a_misspelt_key_is_refused_not_read_as_an_unanswerable_question(tmp_path: Path) -> None:
    said = _refused(tmp_path, '{"question": "رمزم یادم رفته", "expcted": "password-reset"}\n')
    assert "کلید ناشناختهٔ «expcted»" in said
    assert "question، expected، kind" in said


def test_a_question_without_expected_is_refused(tmp_path: Path) -> None:
    said = _refused(tmp_path, '{"question": "رمزم یادم رفته", "kind": "paraphrase"}\n')
    assert "«expected» نیامده است" in said


@pytest.mark.parametrize("expected", ['""', '"  "'])
def test_an_empty_expected_is_refused_on_its_line(expected: str, tmp_path: Path) -> None:
    # Meant as "none", it was listed among the unknown ids as nothing at all: «…: ».
    said = _refused(tmp_path, f'{{"question": "قیمت دلار", "expected": {expected}}}\n')
    assert "«expected» خالی است: شناسهٔ مقاله‌ای که پاسخ این پرسش است، یا null" in said


def test_an_unknown_kind_is_refused_not_made_a_kind_of_its_own(tmp_path: Path) -> None:
    said = _refused(
        tmp_path, '{"question": "قیمت دلار", "expected": null, "kind": "out_of_scop"}\n'
    )
    assert "نوع (kind) «out_of_scop» شناخته نیست" in said
    assert "out_of_scope" in said and "paraphrase" in said


def test_a_kind_that_contradicts_expected_is_refused(tmp_path: Path) -> None:
    said = _refused(
        tmp_path, '{"question": "قیمت دلار", "expected": "a", "kind": "out_of_scope"}\n'
    )
    assert "«out_of_scope» پاسخی در پایگاه دانش ندارد ولی expected «a» است" in said
    said = _refused(tmp_path, '{"question": "قیمت دلار", "expected": "a", "kind": "near_miss"}\n')
    assert "«near_miss» پاسخی در پایگاه دانش ندارد" in said
    said = _refused(tmp_path, '{"question": "ramz", "expected": null, "kind": "finglish"}\n')
    assert "«finglish» پاسخ دارد ولی expected برابر null است" in said


def test_null_expected_and_a_missing_kind_still_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "قیمت دلار", "expected": null}\n{"question": "رمز", "expected": "a"}\n',
        "utf-8",
    )
    assert [(q.expected, q.kind) for q in read_questions(path)] == [
        (None, "out_of_scope"),
        ("a", "paraphrase"),
    ]


@pytest.mark.parametrize("name", ["questions.jsonl", "tuning.jsonl"])
def test_the_committed_question_files_load(name: str) -> None:
    questions = read_questions(Path(__file__).resolve().parents[2] / "kb" / "eval" / name)
    assert questions
    assert all((q.expected is None) == (q.kind in UNANSWERABLE_KINDS) for q in questions)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('{"question": }', "JSON درستی نیست، در نویسهٔ ۱۴: مقداری درست نیامده است"),
        ("{'question': 'x', 'expected': null}", "نام هر کلید در گیومهٔ لاتین دوتایی می‌آید"),
        ('{"question": "x', "گیومهٔ متنی که این‌جا آغاز شده بسته نشده است"),
        ('{"question": "x", "expected": null} 5', "پس از {…} چیز دیگری هم آمده است"),
        ('{"question": "x" "expected": null}', "ویرگول «,» میان دو کلید"),
        ('["x", null]', 'هر سطر باید یک شیء JSON باشد: {"question": "…"'),
        ('"x"', "هر سطر باید یک شیء JSON باشد"),
        ('{"expected": null}', "«question» نیامده است"),
    ],
    ids=[
        "no value",
        "single quotes",
        "open quote",
        "extra",
        "comma",
        "list",
        "text",
        "no question",
    ],
)
def test_a_line_that_is_no_question_object_is_described_in_persian(
    line: str, said: str, tmp_path: Path
) -> None:
    message = _refused(tmp_path, line + "\n")
    assert message.startswith(f"{tmp_path / 'q.jsonl'}:2: این سطر پرسش درستی نیست: ")
    assert said in message
    assert "list indices" not in message and "'question'" not in message
