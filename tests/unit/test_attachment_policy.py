import pytest

from domain.errors import BadUserInput
from domain.rules.attachment_policy import AttachmentPolicy, safe_filename

POLICY = AttachmentPolicy(max_bytes=100, types=("image/*", "application/pdf", "text/plain"))


@pytest.mark.parametrize(
    ("content_type", "accepted"),
    [
        ("image/png", True),
        ("IMAGE/JPEG", True),
        ("text/plain; charset=utf-8", True),
        ("application/pdf", True),
        ("application/zip", False),
        ("text/html", False),
        ("image/", False),
        ("image/" + "x" * 130, False),  # would not fit the stored column
        ("image/png\r\nX-Evil: 1", False),
        ("image/pn g", False),
        ("", False),
    ],
)
def test_accepted_types(content_type: str, accepted: bool) -> None:
    assert POLICY.accepts_type(content_type) is accepted


@pytest.mark.parametrize(("size", "ok"), [(0, True), (100, True), (101, False)])
def test_the_size_limit(size: int, ok: bool) -> None:
    if ok:
        POLICY.check(filename="a.png", content_type="image/png", size=size)
    else:
        with pytest.raises(BadUserInput):
            POLICY.check(filename="a.png", content_type="image/png", size=size)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\photo.jpg", "photo.jpg"),
        ("a\x00b\r\n.txt", "ab.txt"),
        ("", "attachment"),
        (None, "attachment"),
        ("...", "attachment"),
        ("x" * 300 + ".txt", "x" * 255),
    ],
)
def test_safe_filenames(name: str | None, safe: str) -> None:
    assert safe_filename(name) == safe
