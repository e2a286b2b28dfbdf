"""Every road that stores a document checks its content whole (review-input9 F7: a PNG header followed by
random bytes was stored as an image): the staff case page (front desk and back office), the employer's
and the insured person's portal pages, and the API all go through `cases.documents.check_upload`.

Each broken file is refused on each road in Chinese naming the file (problem details on the API), with
no document row and no file left in the storage folder; a whole tiny PNG, JPEG and PDF are stored."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from shebao.cases.models import Document
from shebao.cases.services import case_submit
from shebao.portal.access import employer_actor
from tests.cases.conftest import client_for, employ, valid_details
from tests.portal.conftest import sign_in_employer, transfer_in_submitted
from tests.uploads import PDF, broken, good, png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("document_day")]


@pytest.fixture
def _media(document_day):
    return document_day


def _stored(media: Path) -> list[Path]:
    return sorted(p for p in Path(media).rglob("*") if p.is_file()) if Path(media).exists() else []


def _file(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


@pytest.fixture
def roads(client, settings, admin_chaoyang, employer_chaoyang, person_chaoyang, clerk_chaoyang, insured):
    """Each upload road as name → post(name, content) answering (status, the refusal's text or "").
    The employer's case serves the staff page, the API and the employer's portal page; the person's
    own transfer in serves the person's page."""
    employ(person_chaoyang, employer_chaoyang)  # whom the application's content names
    employer_case, _ = case_submit(
        actor=employer_actor(admin_chaoyang), business="monthly_report_back_payment", channel="online",
        employer=employer_chaoyang, applicant_kind="employer",
        details=valid_details("monthly_report_back_payment", employer=employer_chaoyang, person=person_chaoyang))
    employer_page = type(client)()
    sign_in_employer(employer_page, settings, admin_chaoyang)
    person_page = type(client)()
    person_case = transfer_in_submitted(person_page, settings, insured)
    staff = type(client)()
    staff.force_login(clerk_chaoyang)
    api = client_for(clerk_chaoyang)

    def page(c, url, headers=None, **extra):
        def post(name, content):
            r = c.post(url, {"file": _file(name, content), **extra}, headers=headers)
            return r.status_code, r.content.decode() if r.status_code >= 400 else ""
        return post

    def via_api(name, content):
        r = api.post(f"/api/v1/cases/{employer_case.pk}/documents/", {"file": _file(name, content)},
                     format="multipart")
        if r.status_code < 400:
            return r.status_code, ""
        assert r["Content-Type"].startswith("application/problem+json")
        body = r.json()
        assert body["errors"][0]["field"] == "file"
        return r.status_code, body["errors"][0]["reason_zh"]

    return {
        # the case page's form posts by htmx and is answered with the case's body (a plain POST is sent
        # back to the page with the message)
        "staff case page": page(staff, f"/office/cases/{employer_case.pk}/documents/", name="材料",
                                headers={"HX-Request": "true"}),
        "employer portal": page(employer_page, f"/portal/employer/cases/{employer_case.pk}/documents/", name="材料"),
        "person portal": page(person_page, f"/portal/person/cases/{person_case.pk}/documents/", name="材料"),
        "API": via_api,
    }


def test_every_road_refuses_each_broken_file_naming_it_and_stores_nothing(roads, _media):
    for road, post in roads.items():
        for kind, (name, content) in broken().items():
            status, said = post(name, content)
            assert status == 400, (road, kind, status)
            assert f"“{name}”" in said, (road, kind, said[:300])
            assert not Document.objects.exists(), (road, kind)
            assert _stored(_media) == [], (road, kind)


def test_every_road_stores_a_whole_png_jpeg_and_pdf(roads, _media):
    for seed, (road, post) in enumerate(roads.items()):
        for kind, (name, content) in good(seed).items():
            before = Document.objects.count()
            status, said = post(name, content)
            assert status in (200, 201, 302), (road, kind, status, said[:300])
            doc = Document.objects.order_by("-pk").first()
            assert Document.objects.count() == before + 1 and Path(doc.file.path).read_bytes() == content, (road, kind)
    assert len(_stored(_media)) == 3 * len(roads)


@pytest.mark.parametrize(("name", "content_type", "content", "said"), [
    ("photo.pdf", None, png(), "文件“photo.pdf”的内容是PNG图片，与其文件名或类型所称的PDF文件不符"),
    ("scan.jpg", None, PDF, "文件“scan.jpg”的内容是PDF文件，与其文件名或类型所称的JPEG图片不符"),
    ("scan.zip", None, PDF, "文件“scan.zip”的内容是PDF文件"),
    ("scan", "image/png", PDF, "与其文件名或类型所称的PNG图片不符"),
])
def test_a_file_whose_name_or_type_declares_another_kind_is_refused(roads, name, content_type, content, said):
    """The kind is the content's; a name or client type that says otherwise is refused (the content
    is not guessed at); ``photo.bin`` or octet-stream declare nothing and are judged by content."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shebao.cases.documents import check_upload
    from shebao.core.errors import UploadRefused

    upload = SimpleUploadedFile(name, content, content_type=content_type or "application/octet-stream")
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload)
    assert said in refused.value.zh and refused.value.field == "file"
    if content_type is None:  # the same through a road (the client's type is then guessed from the name)
        status, text = roads["API"](name, content)
        assert status == 400 and said in text
    assert check_upload(SimpleUploadedFile("photo.bin", png(), content_type="application/octet-stream"))


def test_a_decompression_bomb_is_refused_not_warned(roads, _media):
    """Between Pillow's MAX_IMAGE_PIXELS and twice that Pillow only warns: refused all the same."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 10⁸ pixels in a 12 kB file
    assert Image.MAX_IMAGE_PIXELS < 10_000 * 10_000
    status, said = roads["API"]("bomb.png", out.getvalue())
    assert status == 400 and "文件“bomb.png”的图片像素过多" in said
    assert not Document.objects.exists() and _stored(_media) == []


def test_an_image_over_the_pixel_limit_is_refused_on_every_road_from_its_header(roads, _media, monkeypatch):
    """review F7: a 9400×9400 PNG (257 kB), just under Pillow's own limit, cost 3.4 s and 340 MB to
    verify. Images are held to 40 million pixels (an A4 page scanned at 600 dpi is 34.8 million), read
    from the header: refused on every road naming the limit, with no pixel decoded and nothing stored."""
    from PIL import ImageFile

    from shebao.cases.documents import MAX_PIXELS, max_pixels

    assert max_pixels() == MAX_PIXELS == 40_000_000 and 4961 * 7016 < MAX_PIXELS < Image.MAX_IMAGE_PIXELS
    out = io.BytesIO()
    Image.new("1", (9400, 9400)).save(out, "PNG")
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda im: decoded.append(im.size))
    monkeypatch.setattr(Image.Image, "verify", lambda im: decoded.append(im.size))
    for road, post in roads.items():
        status, said = post("big.png", out.getvalue())
        assert status == 400, road
        assert "文件“big.png”的图片像素过多（9400×9400，共88,360,000像素，超过4,000万像素的上限）" in said, (road, said[:300])
    assert decoded == [] and not Document.objects.exists() and _stored(_media) == []


@pytest.mark.parametrize("size", [(10, 10), (11, 10)])
def test_the_pixel_limit_is_a_setting_and_holds_at_its_edge(settings, size):
    """At the limit an image is taken; one pixel column more is refused (JPEG and PNG alike)."""
    from shebao.cases.documents import check_upload
    from shebao.core.errors import UploadRefused
    from tests.uploads import jpeg

    settings.SHEBAO_UPLOAD_MAX_PIXELS = 100
    for name, content in (("a.png", png(size)), ("a.jpg", jpeg(size))):
        f = _file(name, content)
        if size == (10, 10):
            assert check_upload(f).size == len(content)
        else:
            with pytest.raises(UploadRefused) as refused:
                check_upload(f)
            assert f"文件“{name}”的图片像素过多（11×10，共110像素，超过100像素的上限）" in refused.value.zh


def test_a_file_refused_after_it_was_read_leaves_nothing(roads, _media):
    """A refusal after the content passed (the same file twice) leaves only the first one's file."""
    roads["API"]("form.pdf", PDF)
    status, said = roads["API"]("again.pdf", PDF)
    assert status == 409 and "已上传过" in said
    assert Document.objects.count() == 1 and len(_stored(_media)) == 1


def test_a_pdf_decompression_bomb_is_refused_on_every_road_storing_nothing(roads, _media):
    """review-input13 F2: a 141 kB PDF whose 2 pages each sat in a 74 MB object stream was stored after
    22.9 s and 318 MB. What pypdf decompresses is held to 200 times the file (at most 64 MB)."""
    import time

    from tests.uploads import pdf_in_object_streams

    bomb = pdf_in_object_streams(2, 74_000_000)
    for road, post in roads.items():
        started = time.monotonic()
        status, said = post("bomb.pdf", bomb)
        assert time.monotonic() - started < 5, road
        assert status == 400, (road, status)
        assert "文件“bomb.pdf”解压后过大，疑似压缩炸弹，请上传普通PDF" in said, (road, said[:300])
    assert not Document.objects.exists() and _stored(_media) == []
    status, _ = roads["API"]("pages.pdf", pdf_in_object_streams(12))  # the same form without the padding
    assert status == 201 and Document.objects.count() == 1
