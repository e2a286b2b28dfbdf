"""Run by test_bank_imports in a separate process (a real process to kill mid-import).

    python fault_script.py setup            # employers with open dues
    python fault_script.py import FILE      # a plain import
    python fault_script.py pause FILE N     # import, but stop after line N inside the transaction
    python fault_script.py dump             # the books, as JSON, without timestamps
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")

import django  # noqa: E402 - the settings module is named first

django.setup()


def main() -> None:
    mode = sys.argv[1]
    if mode == "setup":
        from tests import personas
        from tests.collection.conftest import book_due

        for i in range(1, 6):
            e = personas.make_employer(f"北京测试{i}有限公司", serial=100 + i, payment_method="remittance")
            book_due(e, "2019-11", 10_000 * i)
            book_due(e, "2019-12", 10_000 * i)
        return
    if mode in ("import", "pause"):
        from shebao.collection import importers
        from tests import personas

        if mode == "pause":
            stop_after = int(sys.argv[3])

            def hook(line_no: int) -> None:
                if line_no == stop_after:
                    print("PAUSED", flush=True)
                    time.sleep(600)

            importers.after_line_applied = hook
        data = Path(sys.argv[2]).read_bytes()
        importers.import_remittances(actor=personas.SETUP, data=data, filename=Path(sys.argv[2]).name)
        print("DONE", flush=True)
        return
    if mode == "dump":
        from django.apps import apps

        out = {}
        for name in ("BankFile", "RemittanceLine", "Payment", "Allocation", "LedgerTransaction", "Posting", "Due"):
            model = apps.get_model("collection", name)
            fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("created_at", "imported_at")]
            out[name] = [list(r) for r in model.objects.order_by("pk").values_list(*fields)]
        print(json.dumps(out, default=str, ensure_ascii=False))
        return
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
