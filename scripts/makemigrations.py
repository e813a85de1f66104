"""Writes a new migration from model changes: `python scripts/makemigrations.py NAME`."""

import subprocess
import sys

from server.db import tortoise_config

TORTOISE_ORM = tortoise_config("sqlite://:memory:")

if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else "auto"
    sys.exit(
        subprocess.call(
            [
                sys.executable,
                "-m",
                "tortoise",
                "-c",
                "scripts.makemigrations.TORTOISE_ORM",
                "makemigrations",
                "-n",
                name,
            ]
        )
    )
