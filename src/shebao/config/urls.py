from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "社保经办管理后台"
admin.site.site_title = "社保经办"
admin.site.index_title = "数据管理"

urlpatterns = [
    # The admin signs in through the staff sign-in page, second factor and lockout included.
    path("admin/login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/", include("shebao.api.urls")),
    path("collection/", include("shebao.backoffice.collection_urls")),
    path("office/", include("shebao.backoffice.urls")),
    # Employers' and insured people's self-service (issue 15), apart from the staff pages.
    path("portal/", include("shebao.portal.urls")),
    path("", include("shebao.web.urls")),
]

# Chinese error pages in the site's layout (web.errors); ErrorPagesMiddleware applies them in DEBUG too.
handler400 = "shebao.web.errors.bad_request"
handler403 = "shebao.web.errors.permission_denied"
handler404 = "shebao.web.errors.page_not_found"
handler500 = "shebao.web.errors.server_error"
