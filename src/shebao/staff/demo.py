"""Demo staff accounts, one per role, created by `shebao demo_setup` (idempotent)."""

from __future__ import annotations

# At least 12 characters, like every staff password (AUTH_PASSWORD_VALIDATORS).
DEMO_PASSWORD = "shebao-demo-2020"

DEMO_ACCOUNTS = [
    # username, display name, role, office code, is_superuser
    ("admin", "市中心管理员", "municipal_admin", "110000", True),
    ("chaoyang", "朝阳区经办员", "district_clerk", "110105", False),
    ("chaoyang_review", "朝阳区复核员", "district_reviewer", "110105", False),
    ("chaoyang_desk", "望京代办点前台", "district_clerk", "110105A1", False),
    ("haidian", "海淀区经办员", "district_clerk", "110108", False),
    ("auditor", "市中心稽核员", "auditor", "110000", False),
    ("hall", "朝阳区大厅主管", "hall_manager", "110105", False),
    ("leader", "市中心领导", "leader", "110000", False),
    ("chaoyang_leader", "朝阳区带班领导", "leader", "110105", False),
    ("collection", "市中心征缴经办员", "collection_clerk", "110000", False),
]
