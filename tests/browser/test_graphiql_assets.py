"""The GraphiQL page and its fetch step, without a network or a browser."""

import io
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from scripts.fetch_graphiql import FetchError, digest, read_member, up_to_date, verified
from server.graphiql import ASSETS, graphiql_page


def test_without_assets_the_page_says_how_to_fetch_them(tmp_path: Path) -> None:
    page = graphiql_page(directory=tmp_path)
    assert "GraphiQL is not installed" in page and "scripts/fetch_graphiql.py" in page
    assert "<script" not in page  # and no CDN fallback


def test_with_assets_every_tag_is_local_and_pinned(tmp_path: Path) -> None:
    for asset in ASSETS:
        (tmp_path / asset.name).write_text("x")
    page = graphiql_page("/root/static/graphiql", directory=tmp_path)
    for asset in ASSETS:
        assert f'"/root/static/graphiql/{asset.name}" integrity="sha384-{asset.sha384}"' in page
    assert "unpkg" not in page and "https://" not in page


def test_a_file_with_another_digest_is_refused() -> None:
    with pytest.raises(FetchError, match="expected"):
        verified(ASSETS[0], b"console.log('not react')")
    assert verified(replace(ASSETS[0], sha384=digest(b"ok")), b"ok") == b"ok"


def test_files_are_read_from_the_package_folder_of_a_tarball(tmp_path: Path) -> None:
    tarball = tmp_path / "pkg.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        info = tarfile.TarInfo("package/umd/lib.js")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"abc"))
    assert read_member(tarball, "umd/lib.js") == b"abc"
    with pytest.raises(FetchError, match="no file"):
        read_member(tarball, "missing.js")


def test_an_empty_folder_is_not_up_to_date(tmp_path: Path) -> None:
    assert not up_to_date(tmp_path)
