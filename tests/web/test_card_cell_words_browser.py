"""A cell of a table shown as cards on a 390 px phone keeps its value in the value column and its words
whole, however many parts the value has (a fresh user's walk of the demo: the outreach page's 状态 of an
e-mail recipient, "失败待重试 （[Errno 111] Connection refused）", put the note in the narrow label column
under 状态 and broke it mid-word: "Connectio-n"). The card cell was a grid of label and value, so a value
of a text and an element became two grid items, the second in the label's column.

In a real Chromium: the outreach page with a failed e-mail, and cells of every shape (text then element,
element then text, several of each) on a page of the back office's and of the portal's style sheets."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.cases.models import OutboxMessage
from shebao.cases.notifications import FileAdapter, deliver_batch
from shebao.operations import outreach
from shebao.operations.models import Outreach
from tests import personas
from tests.backoffice.test_browser_walkthrough import login
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}

# For each cell matched: the Latin words broken over two lines, and the parts of the value that start left
# of its first part (in the label's column). [] when every value keeps its column and its words.
CELLS_JS = r"""(selector) => {
  const bad = [];
  for (const td of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    let start = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const whole = document.createRange();
      whole.selectNodeContents(node);
      const rects = [...whole.getClientRects()].filter(r => r.width > 0);
      if (!rects.length) continue;
      const left = Math.min(...rects.map(r => r.left));
      if (start === null) start = left;
      else if (left < start - 1) bad.push(`${td.dataset.label}: “${node.textContent.trim()}” starts in the label's column`);
      for (const m of node.textContent.matchAll(/[A-Za-z0-9_\[\]]{2,}/g)) {
        const word = document.createRange();
        word.setStart(node, m.index);
        word.setEnd(node, m.index + m[0].length);
        const tops = new Set([...word.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) bad.push(`${td.dataset.label}: “${m[0]}” is broken over ${tops.size} lines`);
      }
    }
  }
  return bad;
}"""




class Refused:
    """The demo's e-mail before it had a backend of its own: no SMTP server to reach."""

    def send(self, message):
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_delivery_error_stays_in_the_status_column_with_its_words_whole(page, settings, tmp_path):
    settings.SHEBAO_TODAY = dt.date(2020, 2, 20)
    settings.SHEBAO_NOTIFY_DIR = tmp_path / "outbox"
    page.set_viewport_size(PHONE)
    personas.make_staff("clerk_cy", role=personas.Role.DISTRICT_CLERK, office_code="110105", display_name="朝阳区经办员")
    personas.make_staff("reviewer_cy", role=personas.Role.DISTRICT_REVIEWER, office_code="110105",
                        display_name="朝阳区复核员")
    a = personas.make_employer("北京朝阳甲科技有限公司", serial=21)
    outreach.employer_contact_save(actor=personas.SETUP, employer=a, phone="13800000021", email="hr@jia.example")
    login(page, "clerk_cy")
    page.click(".mainnav >> text=通知")
    page.click("text=＋ 疫情期间“不见面”办理提示")
    page.click("#outreach-form button")
    page.wait_for_selector("#preview")
    message = Outreach.objects.get()
    login(page, "reviewer_cy")
    page.goto(page.live_server_url + f"/office/outreach/{message.pk}/")
    page.click("#check form[action$='/approve/'] button")
    page.wait_for_selector("#recipients")
    deliver_batch(adapter=lambda channel: Refused() if channel == "email" else FileAdapter(channel))
    assert OutboxMessage.objects.get(channel="email").last_error == "[Errno 111] Connection refused"
    page.reload()
    status = page.locator("#recipients tr:has-text('电子邮件') td.status")
    assert "Connection refused" in status.inner_text()
    screenshot(page, "outreach-delivery-error-phone")
    assert page.evaluate(CELLS_JS, "#recipients td") == []


# Cells of every shape: text and element in either order, several elements, a long Latin note.
CELLS = """<table class="cards" id="shapes"><thead><tr><th>甲</th><th>乙</th></tr></thead><tbody>
<tr><td data-label="状态">失败待重试 <span class="muted">（[Errno 111] Connection refused）</span></td>
<td data-label="地址"><a href="#">h***@jia.example</a> 单位联系人 Human Resources Department</td></tr>
<tr><td data-label="说明">已发送 <span class="badge">电子邮件</span> 网关 answered HTTP 503 Service Unavailable <em>重试</em></td>
<td data-label="金额" class="num">1,234.00元</td></tr></tbody></table>"""


@pytest.mark.parametrize("sheets", [("web/controls.css", "web/shebao.css"), ("web/controls.css", "portal/portal.css")],
                         ids=["back-office", "portal"])
def test_cells_of_every_shape_keep_their_column_and_their_words(page, live_server, sheets):
    page.set_viewport_size(PHONE)
    links = "".join(f'<link rel="stylesheet" href="{live_server.url}/static/{s}">' for s in sheets)
    page.goto(live_server.url + "/login/")  # an origin of the app, for its style sheets
    page.set_content(f'<!doctype html><html lang="zh-CN"><head><meta name="viewport" '
                     f'content="width=device-width, initial-scale=1">{links}</head><body><main>{CELLS}</main></body></html>')
    page.wait_for_load_state("networkidle")
    assert page.evaluate("getComputedStyle(document.querySelector('#shapes thead')).display") == "none"  # as cards
    assert page.evaluate(CELLS_JS, "#shapes td") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
