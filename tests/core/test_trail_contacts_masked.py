"""review-input7 F4: the audit trail kept a change's landline, e-mail and postal address whole (the case
page and the API mask them), because it masked only what mask_text reads as a number. Contact items are
masked by what they are wherever the trail keeps them, with a fingerprint so a change still reads as one."""

from __future__ import annotations

from shebao.core.audit import trail_shown

CHANGE = {"changes": {"phone": "010-88886666", "email": "private.person@example.com",
                      "address": "北京市朝阳区某某路1号院2号楼3单元401", "name": "张三"},
          "postal_address": "北京市朝阳区测试路1号", "contact_email": "hr@example.com", "ip_address": "10.0.0.1"}


def test_contact_items_are_masked_by_kind_with_a_fingerprint():
    shown = trail_shown(CHANGE)
    text = repr(shown)
    for whole in ("88886666", "private.person", "某某路1号院", "测试路1号", "hr@example.com"):
        assert whole not in text, whole
    changes = shown["changes"]
    assert changes["phone"].startswith("********6666（指纹 ")
    assert changes["email"].startswith("p***@example.com（指纹 ")
    assert changes["address"].startswith("北京市朝阳区")
    assert changes["name"] == "张三" and shown["ip_address"] == "10.0.0.1"  # not contact items
    # two different addresses with the same district still read as a change
    other = trail_shown({"address": "北京市朝阳区另一条路2号"})["address"]
    assert other != trail_shown({"address": "北京市朝阳区某某路1号院2号楼3单元401"})["address"]
