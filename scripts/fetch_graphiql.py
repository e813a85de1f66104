"""Installs GraphiQL's browser files into server/static/graphiql/ (git-ignored).

    python scripts/fetch_graphiql.py [--dest DIR] [--force]

The files come from the npm registry through npm itself (`npm pack` of exact versions:
one tarball per package, no dependency tree, no install scripts run). Each file is
checked against the SHA-384 digest pinned in server/graphiql.py before it is written, so
a changed or tampered package fails the step instead of being served. With every file
already in place and matching, nothing is downloaded: `make` can run this every time.
"""

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from server.graphiql import ASSETS, ASSETS_DIR, Asset  # noqa: E402


class FetchError(RuntimeError):
    pass


def digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha384(data).digest()).decode()


def up_to_date(dest: Path) -> bool:
    def matches(asset: Asset) -> bool:
        path = dest / asset.name
        return path.is_file() and digest(path.read_bytes()) == asset.sha384

    return (dest / ".gitignore").is_file() and all(matches(a) for a in ASSETS)


def npm_pack(specs: list[str], into: Path) -> dict[str, Path]:
    """Downloads the tarballs of `specs` (name@version); returns spec -> tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError("npm is not installed: it is needed once, to fetch GraphiQL's files.")
    result = subprocess.run(
        [npm, "pack", "--json", "--ignore-scripts", "--pack-destination", str(into), *specs],
        capture_output=True, text=True, check=False, timeout=300,
    )
    if result.returncode != 0:
        raise FetchError(f"npm pack failed:\n{result.stderr.strip()}")
    packed = json.loads(result.stdout)
    return {f"{p['name']}@{p['version']}": into / p["filename"] for p in packed}


def read_member(tarball: Path, member: str) -> bytes:
    """One file of an npm tarball (its files sit under `package/`), read without
    extracting anything to disk."""
    with tarfile.open(tarball, "r:gz") as archive:
        try:
            handle = archive.extractfile(f"package/{member}")
        except KeyError:
            handle = None
        if handle is None:
            raise FetchError(f"{tarball.name} has no file {member}")
        return handle.read()


def verified(asset: Asset, data: bytes) -> bytes:
    found = digest(data)
    if found != asset.sha384:
        raise FetchError(
            f"{asset.spec}/{asset.member}: SHA-384 is {found}, expected {asset.sha384}. "
            "Refusing to install it; if the version was changed on purpose, update the digest "
            "in server/graphiql.py."
        )
    return data


def write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    partial.replace(path)


def fetch(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    # Third-party builds are never committed, even before the root .gitignore says so.
    (dest / ".gitignore").write_text("# fetched by scripts/fetch_graphiql.py\n*\n")
    specs = sorted({a.spec for a in ASSETS})
    with tempfile.TemporaryDirectory(prefix="graphiql-") as scratch:
        tarballs = npm_pack(specs, Path(scratch))
        for asset in ASSETS:
            if asset.spec not in tarballs:
                raise FetchError(f"npm did not return {asset.spec}")
            data = verified(asset, read_member(tarballs[asset.spec], asset.member))
            write_atomically(dest / asset.name, data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=ASSETS_DIR, help=f"default: {ASSETS_DIR}")
    parser.add_argument("--force", action="store_true", help="fetch even when the files match")
    args = parser.parse_args(argv)
    if not args.force and up_to_date(args.dest):
        print(f"GraphiQL assets are up to date in {args.dest}")
        return 0
    try:
        fetch(args.dest)
    except (FetchError, subprocess.TimeoutExpired) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"GraphiQL assets installed in {args.dest}: {', '.join(a.name for a in ASSETS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
