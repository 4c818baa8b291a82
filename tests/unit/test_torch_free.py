"""The API stays light: importing and building it never loads torch (the worker's job)."""

import subprocess
import sys

BACKEND_MODULES = (
    "backend.main",
    "backend.formats",
    "backend.services.datasets",
    "backend.services.exports",
    "backend.services.queue",
    "backend.api.routes.exports",
)


def test_backend_never_imports_torch():
    code = (
        f"import sys, {', '.join(BACKEND_MODULES)}\n"
        "from backend.main import create_app\n"
        "create_app()\n"
        "loaded = [m for m in ('torch', 'torchvision') if m in sys.modules]\n"
        "sys.exit(f'{loaded} loaded' if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"SEGLOOP_DEMO": "true", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr or result.stdout
