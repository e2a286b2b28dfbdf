"""Shared fixtures: the personas of `tests/personas.py` as pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The suite runs on a shared 2-core machine, SQLite and PostgreSQL at once: a draw that takes seconds
# there is load, not a fault of the code under test. Property tests judge results, not speed (speed is
# `make bench`'s), so no deadline and no too-slow health check, unless a test sets its own.
settings.register_profile("shebao", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("shebao")

from tests import personas  # noqa: E402  (after the profile, which every test module's settings inherit)

# Every browser wait's limit: a page that works answers in well under a second, but the whole suite on
# two loaded cores (and a job thread beside it) has made a 10-second wait fail. A broken page still fails.
BROWSER_TIMEOUT_MS = 60_000


@pytest.fixture
def chaoyang(db):
    return personas.office("110105")


@pytest.fixture
def haidian(db):
    return personas.office("110108")


@pytest.fixture
def clerk_chaoyang(db):
    return personas.make_staff("clerk_cy", role=personas.Role.DISTRICT_CLERK, office_code="110105",
                               display_name="朝阳区经办员")


@pytest.fixture
def clerk_haidian(db):
    return personas.make_staff("clerk_hd", role=personas.Role.DISTRICT_CLERK, office_code="110108",
                               display_name="海淀区经办员")


@pytest.fixture
def reviewer_chaoyang(db):
    return personas.make_staff("reviewer_cy", role=personas.Role.DISTRICT_REVIEWER, office_code="110105",
                               display_name="朝阳区复核员")


@pytest.fixture
def reviewer_haidian(db):
    return personas.make_staff("reviewer_hd", role=personas.Role.DISTRICT_REVIEWER, office_code="110108",
                               display_name="海淀区复核员")


@pytest.fixture
def municipal_admin(db):
    return personas.make_staff("admin_city", role=personas.Role.MUNICIPAL_ADMIN, office_code="110000",
                               display_name="市中心管理员")


@pytest.fixture
def collection_clerk(db):
    return personas.make_staff("collection_city", role=personas.Role.COLLECTION_CLERK, office_code="110000",
                               display_name="市中心征缴经办员")


@pytest.fixture
def leader(db):
    return personas.make_staff("leader_city", role=personas.Role.LEADER, office_code="110000",
                               display_name="市中心领导")


@pytest.fixture
def employer_chaoyang(db):
    return personas.make_employer()


@pytest.fixture
def employer_haidian(db):
    return personas.make_employer("北京海淀测试软件有限公司", district_code="110108", serial=2)


@pytest.fixture
def person_chaoyang(db):
    return personas.make_person()


@pytest.fixture
def person_haidian(db):
    return personas.make_person("李四", district_code="110108", serial=2, male=False,
                                birth=personas.dt.date(1980, 3, 15))


# --- SQLite test databases left behind ----------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def pytest_sessionstart(session):
    """Delete the SQLite test databases (with their -wal/-shm) of runs that were killed: settings name
    each `shebao-test-<pid>.sqlite3` in /dev/shm (RAM), and a killed run never deletes its own."""
    from django.conf import settings

    name = (settings.DATABASES["default"].get("TEST") or {}).get("NAME")
    if not name or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    for path in Path(name).parent.glob("shebao-test-*.sqlite3*"):
        pid = path.name.removeprefix("shebao-test-").split(".", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            path.unlink(missing_ok=True)


# --- CI must not skip -----------------------------------------------------------------------
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI every test must run: a skipped one (say, no browser) fails the run."""
    import os

    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(f"CI: {len(skipped)} test(s) were skipped; CI requires every test to run.",
                                    red=True)
        config._shebao_ci_skips = len(skipped)


def pytest_sessionfinish(session, exitstatus):
    # Counted here, not from the summary's flag: pytest runs this hook before the terminal summary, so a
    # flag set there came too late and a run with skips still exited 0 (the fresh-clone run of 2 December).
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        session.exitstatus = 1


# --- Browser ---------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    import os
    import shutil

    path = os.environ.get("CHROMIUM_PATH") or (CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium"))
    if not path:
        pytest.skip("没有可用的 Chromium：请安装 Debian 的 chromium 软件包（apt-get install chromium），"
                    "或设置 CHROMIUM_PATH 指向浏览器。No Chromium: apt-get install chromium.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still
    # synchronous, so Django's guard against async misuse does not apply to them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page that refuses every request leaving the app (no CDN, no internet)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    external: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith((live_server.url, "data:")):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    context.route("**/*", guard)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    pg = context.new_page()
    pg.live_server_url = live_server.url
    pg.external_requests = external
    yield pg
    context.close()
    assert not external, f"the page tried to load from outside the app: {external}"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _offices(request):
    """A transactional test flushes the tables, data-migration rows included: put the offices back."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction") or "transactional_db" in request.fixturenames:
        from shebao.registry.models import Office
        from shebao.registry.offices import create_offices

        request.getfixturevalue("transactional_db")
        create_offices(Office)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads and bank files in tests go to the test's own folder, never to var/; jobs run inline."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SHEBAO_BANK_FILE_DIR = tmp_path / "bank_files"
    settings.SHEBAO_EXPORT_DIR = tmp_path / "exports"
    settings.SHEBAO_JOBS = "inline"
    # The leaders' tallies refresh only when a test asks (tests/reports): no refresh after every write.
    settings.SHEBAO_TALLIES_REFRESH = "off"
