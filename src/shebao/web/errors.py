"""Error pages in Chinese, inside the site's layout, each saying what to do next.

Django's own 400/403/404/500 pages are bare English, and with DEBUG on its 404 page lists every URL
pattern. These views are the project's handlers (config.urls), and `ErrorPagesMiddleware` renders
them for a 404/403/400 that a view raises, so they apply with DEBUG on too: a clerk who types
another district's case number sees "未找到", never the URL list. With DEBUG on a server error (500)
still shows Django's traceback, which is the developer's tool; with DEBUG off it is this 500 page.
API paths answer JSON problem details instead (api.errors), never a page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import Resolver404, resolve

from shebao.core.middleware import audience, reader_identify

logger = logging.getLogger(__name__)

# status -> (title, what happened, what to do)
PAGES: dict[int, tuple[str, str, str]] = {
    400: ("请求无法处理", "提交的内容不完整或格式不对，系统无法处理。",
          "请返回上一页，检查填写的内容后重新提交；如反复出现，请联系系统管理员。"),
    403: ("无权访问", "您的账号没有进行此操作或查看此页面的权限。",
          "如确需办理，请联系本机构的大厅主管或市中心管理员开通权限；也可返回首页办理其他业务。"),
    404: ("未找到", "没有找到您要访问的页面或记录。它可能不存在、已被删除，或不属于您所在机构的管辖范围。",
          "请核对地址或编号后重试；查找申请请使用“待办”中的搜索，查找人员或单位请使用“人员”“单位”查询。"),
    500: ("系统出错", "系统处理您的请求时发生了错误，本次操作可能没有完成。",
          "请稍后重试，并到相关页面核对操作是否已生效；如仍出错，请记下出错时间，联系系统管理员。"),
    503: ("服务繁忙，请稍后再试", "系统暂时无法访问数据库（服务繁忙或正在维护），本次操作没有完成，也没有保存任何内容。",
          "请稍等几秒钟后刷新页面或重新提交；如长时间无法使用，请联系系统管理员。"),
    413: ("提交的内容过大", "提交的文件或内容超过了允许的大小，本次操作没有完成。",
          "请缩小文件（如压缩图片、分开上传）后重新提交。"),
    # An address that only takes a form's submission, opened from the address bar or a bookmark (a
    # view with require_POST), or a page posted to that only shows (review-input5 F5: an empty 405).
    405: ("不能这样打开此地址", "此地址只能通过页面上的按钮或表单办理，不能直接在浏览器地址栏中打开或刷新。本次没有办理任何业务。",
          "请返回上一页，使用页面上的按钮或表单办理；如反复出现，请联系系统管理员。"),
}
# Any other refusal a view answers without a page of its own (409, 410, 429, 501, …): said in general
# terms, by class, so that no error reaches a person as an empty or English page.
CLIENT_ERROR = ("请求无法处理", "系统无法按此方式处理您的请求，本次没有办理任何业务。",
                "请返回上一页后重试；如反复出现，请联系系统管理员。")
SERVER_ERROR = PAGES[500]
# What the API's problem details say where a page's words (a button, the address bar) do not fit a system.
API_DETAILS: dict[int, str] = {405: "此地址不支持该请求方法，允许的方法见应答的 Allow 头和接口文档"}
# The portal's people (employers, insured people) have no system administrator or queue to turn to:
# what to do is said for them, and the page is the portal's (review-input4 F12: a refused rights
# statement showed the staff system's page, "请联系系统管理员" and a link to the staff sign-in).
PORTAL_TODO: dict[int, str] = {
    400: "请返回上一页，检查填写的内容后重新提交；如反复出现，请拨打咨询电话。",
    403: "请返回网上办事首页，或重新登录后再办理；如确需办理，请拨打咨询电话或到社保经办机构窗口咨询。",
    405: "请返回上一页，使用页面上的按钮或表单办理；如有疑问，请拨打咨询电话。",
    404: "请返回网上办事首页，从“我的申请”等页面重新进入；如有疑问，请拨打咨询电话。",
    413: "请缩小文件（如压缩图片、分开上传）后重新提交。",
    500: "请稍后重试，并到“我的申请”核对操作是否已生效；如仍出错，请拨打咨询电话。",
    503: "请稍等几秒钟后刷新页面或重新提交；如长时间无法使用，请拨打咨询电话。",
}
# What happened, said for the portal's people where the staff's words do not apply (review-user12 F17: a
# person's 404 said the record might lie outside 您所在机构的管辖范围, a staff office's jurisdiction).
PORTAL_WHAT: dict[int, str] = {
    404: "没有找到您要访问的页面或记录。它可能不存在、已被删除，或不属于您本人（本单位）。",
}
CSRF_PAGE = ("页面已过期", "页面停留时间过长或已在别处退出登录，为保护数据安全，本次提交没有生效。",
             "请刷新页面（或重新登录）后再次提交。")


PROBLEM_TYPES = {400: "parse_error", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
                 413: "payload_too_large", 500: "server_error", 503: "service_unavailable"}


def _is_api(request: HttpRequest) -> bool:
    return audience(request) == "api"


def page_for(status: int) -> tuple[str, str, str]:
    """(title, what happened, what to do) of an error status: its own page, or the general one of its
    class (4xx, 5xx)."""
    return PAGES.get(status) or (SERVER_ERROR if status >= 500 else CLIENT_ERROR)


def _problem(status: int, detail: str = "") -> JsonResponse:
    from shebao.api.errors import RETRY_AFTER_SECONDS, TITLES

    zh, en = TITLES.get(status, ("错误", "Error"))
    # One type per kind of problem, as the API's own answers name it (DRF's codes; review-input11 F6: an
    # address no route matched answered problems/404 in \u escapes, a missing object problems/not_found).
    kind = PROBLEM_TYPES.get(status, str(status))
    response = JsonResponse({"type": f"https://shebao.invalid/problems/{kind}", "title": zh, "title_en": en,
                             "status": status, "detail": detail or API_DETAILS.get(status) or page_for(status)[1]},
                            status=status, content_type="application/problem+json",
                            json_dumps_params={"ensure_ascii": False})
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def render_error(request: HttpRequest, status: int, *, page: tuple[str, str, str] | None = None,
                 detail: str = "") -> HttpResponse:
    """The error page for ``status`` in the site's layout; an htmx request gets the message alone."""
    if _is_api(request):
        return _problem(status, detail)
    title, what, todo = page or page_for(status)
    portal = audience(request) == "portal"
    # A page refused before the sign-in middlewares (the query guard) still knows its reader: the
    # layout shows them signed in, as every other page does (review-user6 F10).
    reader_identify(request)
    if portal and not hasattr(request, "portal_actor"):
        from shebao.portal.access import portal_reader_load

        try:
            portal_reader_load(request)
        except Exception:  # the database itself may be what failed (503): the page is drawn without
            logger.warning("the portal reader of an error page could not be loaded", exc_info=True)
    if portal and page is None:
        todo = PORTAL_TODO.get(status, todo)
        what = PORTAL_WHAT.get(status, what)
    # The layout's links back to "here" (大字模式) take the path alone: an error page never writes the
    # address it refused (a personal number in the query, the guard's 400) back into a new link.
    context = {"status": status, "title": title, "what": what, "todo": todo, "detail": detail,
               "error_page_path": request.path}
    template = ("web/_error_message.html" if request.headers.get("HX-Request")
                else "portal/error.html" if portal else "web/error.html")
    try:
        body = loader.render_to_string(template, context, request)
    except Exception:  # the layout itself failed (a broken database, say): plain Chinese, no layout
        logger.exception("error page %s could not be rendered in the layout", status)
        body = (f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{title}</title>"
                f"<h1>{title}</h1><p>{what}</p><p>{todo}</p><p><a href=\"/\">返回首页</a></p></html>")
    response = HttpResponse(body, status=status)
    response.shebao_error_page = True  # type: ignore[attr-defined]
    if status == 503:
        from shebao.api.errors import RETRY_AFTER_SECONDS

        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _page_405(request: HttpRequest, response: HttpResponse) -> tuple[str, str, str] | None:
    """The 405 page for what was tried: a page that only shows, posted to, is said as such; an
    address that only takes a form, opened, is PAGES[405]; the portal says what to do for its people."""
    if response.status_code != 405:
        return None
    title, what, todo = PAGES[405]
    allowed = {m.strip().upper() for m in response.get("Allow", "").split(",") if m.strip()}
    if request.method == "POST" and "POST" not in allowed:
        what = "此页面只用于查看，不接受提交。本次没有办理任何业务。"
    if audience(request) == "portal":
        todo = PORTAL_TODO[405]
    return title, what, todo


def _detail(exception: Any) -> str:
    """A message a view gave its refusal in Chinese (PermissionDenied("只有…")); never an English one."""
    text = str(exception or "").strip()
    if text and any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    return ""


def form_limit_detail(exception: Any) -> str:
    """What Django's limits of a form say when a request passes them (DATA_UPLOAD_MAX_NUMBER_FIELDS /
    _FILES: TooManyFieldsSent / TooManyFilesSent; a form in another charset than UTF-8), in Chinese, or
    ``""`` for another exception: the answer said only "格式不对" (review-input12 F11: a body of 1,100
    form fields)."""
    from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent

    if isinstance(exception, TooManyFilesSent):
        return f"提交的文件过多（超过{settings.DATA_UPLOAD_MAX_NUMBER_FILES}个），请检查后重新提交"
    if isinstance(exception, TooManyFieldsSent):
        return f"提交的表单项目过多（超过{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}个），请检查后重新提交"
    if isinstance(exception, BadRequest) and "must be UTF-8 encoded" in str(exception):
        # Django refuses a form declared in another charset (a middleware read it): said in Chinese
        return "请求内容须为UTF-8编码，不接受其他字符集：请去掉Content-Type中的charset或改为charset=utf-8"
    return ""


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):  # raised while a middleware read the body: 413, not 400
        return render_error(request, 413)
    return render_error(request, 400, detail=form_limit_detail(exception) or _detail(exception))


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render_error(request, 403, detail=_detail(exception))


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    # What a view said is missing, in Chinese (Http404("未找到该养老金发放批次")); Django's English
    # "No … matches the given query" is never shown.
    return render_error(request, 404, detail=_detail(exception))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 (DEBUG off): an error raised outside a view (a middleware reading the session while
    the database is down) is 503 "service busy" like one raised inside it; anything else 500."""
    import sys

    from shebao.api.errors import database_unavailable

    exc = sys.exc_info()[1]
    return render_error(request, 503 if exc is not None and database_unavailable(exc) else 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: an expired or forged form, said plainly (403)."""
    return render_error(request, 403, page=CSRF_PAGE)


# Headers an error answer keeps when its empty body is replaced by the page: what the client may do next.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _says_nothing(response: HttpResponse) -> bool:
    """True for an error answer a person cannot read: an empty body (Django's HttpResponseNotAllowed
    of require_POST, a bare ``HttpResponse(status=…)``) or a page or text with no Chinese in it.
    A file, a stream, JSON (problem details) and any answer that says something in Chinese are left
    as the view made them."""
    if getattr(response, "streaming", False) or getattr(response, "shebao_error_page", False):
        return False
    if getattr(response, "is_rendered", True) is False:
        return False
    content = response.content
    if not content.strip():
        return True
    kind = response.get("Content-Type", "").split(";")[0].strip().lower()
    if kind not in ("text/html", "text/plain"):
        return False
    text = content.decode(response.charset or "utf-8", errors="replace")
    return not any("\u4e00" <= ch <= "\u9fff" for ch in text)


class ErrorPagesMiddleware:
    """Render the project's error pages for what views raise, with DEBUG on as well as off.

    Django shows its technical pages in DEBUG (the 404 one lists every URL pattern); this catches
    Http404, PermissionDenied and bad requests raised by a view (process_exception), and replaces
    Django's 404 for an address that matches no page. API calls are left to DRF's problem details,
    except an unknown /api/ address, which gets a JSON 404.

    Every error status a view answers with nothing a person can read (an empty body, English only:
    review-input5 F5, the 405 of every ``require_POST`` view opened with GET) gets the site's Chinese
    page of that status (problem details in the API), keeping the status and its Allow/Retry-After.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 400 and _says_nothing(response):
            page = render_error(request, response.status_code, page=_page_405(request, response))
            for header in _KEPT_HEADERS:
                if response.has_header(header):
                    page[header] = response[header]
            return page
        if (response.status_code == 404 and settings.DEBUG
                and not getattr(response, "shebao_error_page", False)
                and response.get("Content-Type", "").startswith("text/html")):
            try:
                resolve(request.path_info)
            except Resolver404:
                return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from shebao.api.errors import database_unavailable

        if database_unavailable(exception):
            # The database is down or too busy (issue 16 §5): 503 with Retry-After, problem details in
            # the API and "service busy, try again" on the pages, never a 500 or a debug page.
            logger.warning("database unavailable on %s %s: %s", request.method, request.path_info, exception)
            return render_error(request, 503)
        if isinstance(exception, RequestDataTooBig):
            return render_error(request, 413)
        if _is_api(request):
            if isinstance(exception, Http404):
                return _problem(404)
            if isinstance(exception, PermissionDenied):
                return _problem(403)
            if isinstance(exception, BadRequest | SuspiciousOperation | ValidationError):
                return _problem(400, form_limit_detail(exception))
            # Whatever DRF's handler did not answer: problem details, never Django's HTML or text page.
            logger.error("server error on %s %s", request.method, request.path_info, exc_info=exception)
            return _problem(500)
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return bad_request(request, exception)
        if isinstance(exception, ValidationError):
            # What a form sent that cannot be stored (core.inputs: a control character, text longer than
            # its column, an id or date out of range) and the view did not answer itself: 400, in Chinese.
            return render_error(request, 400, detail="；".join(_detail(m) for m in exception.messages if _detail(m)))
        return None
