"""A bounded, schema-driven fuzz run of the whole API (issue 16 §2), part of `make test`.

schemathesis reads the OpenAPI document the site serves (written to a file here, as
/api/schema/openapi/ gives it) and sends generated requests, valid and invalid, to a LIVE server
(pytest-django's live server: a real HTTP server on a free port, on the database of this run, so
SQLite in `make test-sqlite` and PostgreSQL in `make test-postgres`). The run fails on any 5xx answer
and on any answer the document does not describe: its status code, content type, headers or body.

The bound: at most FUZZ_EXAMPLES generated cases per operation, FUZZ_SECONDS seconds for the whole run
(schemathesis stops when the budget is spent), one worker, a fixed seed. About two minutes on the
2-core test machine; `FUZZ_EXAMPLES=200 FUZZ_SECONDS=1200` runs a longer search by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from shebao.cases.services import case_submit, flag_raise
from tests import personas
from tests.cases.conftest import employ, valid_details
from tests.collection.conftest import book_due

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZ_SECONDS = int(os.environ.get("FUZZ_SECONDS", "150"))
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")


def _schema_file(tmp_path: Path, known: dict[str, int]) -> Path:
    """The document as the site serves it, except that each record id in a path names a record of this
    run (`known`: path prefix -> id) as well as one that does not exist, so the generated requests
    reach the handlers behind the 404 and not only the look-up."""
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                prefix = path.split("{" + parameter["name"] + "}")[0]
                ids = [v for k, v in known.items() if prefix.endswith(k)]
                parameter["schema"] = {"type": "integer", "enum": [*ids[:1], 987654321]}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _key(username: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", user=username, name="模糊测试", stdout=out, stderr=err)
    return out.getvalue().strip()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_api_answers_every_generated_request_as_its_document_says(live_server, tmp_path, settings):
    if shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    # A district clerk with things to find: an employer, a person and a case of their district.
    clerk = personas.make_staff("fuzz_clerk", role=personas.Role.DISTRICT_CLERK, office_code="110105",
                                display_name="模糊测试受理员")
    employer = personas.make_employer("北京模糊测试有限公司", serial=21)
    person = personas.make_person("赵模糊", serial=21)
    employ(person, employer)  # the refund's content: a paid due of the person's employer
    book_due(employer, "2019-12", 100_000, paid_on=dt.date(2020, 1, 15))
    case, _ = case_submit(actor=clerk, business="refund", channel="counter", person=person,
                          applied_on=dt.date(2020, 2, 10), details=valid_details(
                              "refund", person=person, facts={"refund_kind": "base_difference"},
                              applied_on=dt.date(2020, 2, 10)))
    flag = flag_raise(actor=clerk, kind="manual_operation", description="窗口手工登记", case=case)
    key = _key(clerk.username)
    schema = _schema_file(tmp_path, {"/cases/": case.pk, "/persons/": person.pk, "/employers/": employer.pk,
                                     "/flags/": flag.pk})
    report = tmp_path / "report"
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", str(schema), "--url", live_server.url,
        "-H", f"Authorization: Bearer {key}", "--checks", CHECKS, "--max-examples", str(FUZZ_EXAMPLES),
        "--max-time", str(FUZZ_SECONDS), "--workers", "1", "--seed", "2020", "--phases", "examples,coverage,fuzzing",
        "--generation-database", "none", "--request-timeout", "30", "--no-color", "--no-shrink",
        "--suppress-health-check", "all", "--report", "junit", "--report-dir", str(report),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=FUZZ_SECONDS + 240, cwd=tmp_path,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    output = done.stdout + done.stderr
    print(output[-4000:])  # the run's summary, shown with -s or on failure
    assert done.returncode == 0, output[-20000:]
    generated = re.search(r"(\d+) generated", output)
    assert generated and int(generated.group(1)) >= 100, output[-5000:]  # the run really ran
