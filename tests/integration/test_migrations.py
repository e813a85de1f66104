import subprocess
import sys

from tests.conftest import REPO


def test_models_and_migrations_agree() -> None:
    result = subprocess.run([sys.executable, "-m", "scripts.check_migrations"], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
