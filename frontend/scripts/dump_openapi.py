"""Writes the FastAPI app's OpenAPI schema as JSON, without a server or a database.

Usage: python frontend/scripts/dump_openapi.py OUT.json   (`npm run gen:api` runs it)
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.config import Settings  # noqa: E402
from backend.main import create_app  # noqa: E402


def main(out: str) -> None:
    # demo=True: the schema does not depend on secrets, and create_app refuses the default one.
    schema = create_app(Settings(demo=True)).openapi()
    Path(out).write_text(json.dumps(schema, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: dump_openapi.py OUT.json")
    main(sys.argv[1])
