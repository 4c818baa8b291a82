"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis): whatever a
client sends, valid or not, the answer is never a 5xx.

Runs on PostgreSQL, the stricter database (NUL characters, 32-bit ids), authenticated as the
admin, who reaches every handler; half of the generated path ids are replaced by ids that
exist, so handlers run past their 404s. Schemathesis' pytest plugin does not support this
pytest yet, so the Hypothesis tests are built here from its strategies.
"""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from backend.config import Settings
from backend.main import create_app
from tests.api.test_tasks import _publish
from tests.conftest import create_project

EXAMPLES_PER_MODE = 12
PATHS = create_app(Settings(demo=True)).openapi()["paths"]
# Negative examples (invalid by the schema) for every operation that takes any input.
CASES = sorted(
    (method.upper(), path, mode)
    for path, methods in PATHS.items()
    for method, spec in methods.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or spec.get("parameters") or spec.get("requestBody")
)
EXISTING: dict[str, int] = {}


@schemathesis.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Even generated ids become existing ones: deterministic, so failures reproduce."""
    if not path_parameters:
        return path_parameters
    return {
        name: EXISTING[name]
        if name in EXISTING and isinstance(value, int) and value % 2 == 0
        else value
        for name, value in path_parameters.items()
    }


@pytest.fixture(scope="module")
def schema(api):
    project = create_project(api.admin, api.demo_data)
    task_id = _publish(project["id"])[0]
    task = api.admin.get(f"/tasks/{task_id}").json()
    dataset_id = api.admin.get(f"/projects/{project['id']}/datasets").json()[0]["id"]
    EXISTING.update(
        project_id=project["id"],
        task_id=task_id,
        round_id=task["round_id"],
        image_id=task["image_id"],
        dataset_id=dataset_id,
    )
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.app)
    EXISTING.clear()


@pytest.mark.parametrize("api", ["postgres"], indirect=True)
@pytest.mark.parametrize(
    ("method", "path", "mode"), CASES, ids=[f"{m} {p} {mode.value}" for m, p, mode in CASES]
)
def test_no_request_makes_the_server_fail(api, schema, method, path, mode):
    operation = schema[path][method]
    headers = {"Authorization": api.admin.headers["Authorization"]}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    fuzz()
