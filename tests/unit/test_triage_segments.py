"""How a ticket's text is cut for the encoder: markup stripped, lines and sentences in order."""

import pytest

from domain.triage.segments import HEAD_CHARS, SEGMENT_CHARS, cleaned, has_body, segments

CLEANED = [
    ("plain text", "My card was declined", "My card was declined"),
    ("template comment", "Crash\n<!-- Please describe the bug -->\nIt crashes", "Crash\n\nIt crashes"),
    ("unclosed comment runs to the end", "Crash on start <!-- steps: 1. 2. 3.", "Crash on start"),
    ("markdown image", "See ![image](https://x.test/a.png) here", "See  here"),
    ("bare link", "Docs at https://x.test/a?b=c say so", "Docs at  say so"),
    ("only a link keeps the text", "https://x.test/a", "https://x.test/a"),
    ("an image with a huge link is left", "![a](" + "b" * 3000 + ")", "![a](" + "b" * 3000 + ")"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CLEANED], ids=[c[0] for c in CLEANED])
def test_cleaned(text: str, expected: str) -> None:
    assert cleaned(text) == expected


HAS_BODY = [
    ("one line", "My card was declined", False),
    ("surrounding newlines", "\nMy card was declined\n", False),
    ("subject and body", "Declined\nMy card was declined at the shop", True),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in HAS_BODY], ids=[c[0] for c in HAS_BODY])
def test_has_body(text: str, expected: bool) -> None:
    assert has_body(text) is expected


SEGMENTS = [
    ("subject first, then sentences",
     "Charged twice\nI paid on Monday. It shows two payments! Why?", 8,
     ["Charged twice", "I paid on Monday.", "It shows two payments!", "Why?"]),
    ("the limit keeps the first", "a one\nb two\nc three\nd four", 2, ["a one", "b two"]),
    ("short pieces and blank lines go", "Hi\n\n--\nThe export fails\n1.\nEvery time", 8,
     ["The export fails", "Every time"]),
    ("comments, images and links go before cutting",
     "Bug\n<!-- Describe it.\nSteps. -->\nIt fails. ![s](https://x.test/s.png)\nSee https://x.test", 8,
     ["Bug", "It fails.", "See"]),
    ("nothing usable keeps the text", "a\nb", 8, ["a\nb"]),
    ("a long line is cut", "Log\n" + "x" * 5000, 8, ["Log", "x" * SEGMENT_CHARS]),
]


@pytest.mark.parametrize(("text", "limit", "expected"), [c[1:] for c in SEGMENTS], ids=[c[0] for c in SEGMENTS])
def test_segments(text: str, limit: int, expected: list[str]) -> None:
    assert segments(text, limit) == expected


def test_only_the_head_of_a_huge_text_is_read() -> None:
    # A pasted log of one long line: what lies past the head is never read, even when fewer
    # segments than the limit came before it.
    text = "Title\n" + "word " * (HEAD_CHARS // 5) + "\nTail line"
    assert "Tail line" not in cleaned(text)
    kept = segments(text, 8)
    assert len(kept) == 2 and kept[0] == "Title" and len(kept[1]) <= SEGMENT_CHARS


def test_an_unclosed_comment_hides_the_rest_of_a_huge_text() -> None:
    text = "Title\n<!-- " + "![" * 500_000 + "\nlast line of the log"
    assert segments(text, 8) == ["Title"]
