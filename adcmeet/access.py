"""Who may see and do what, in one place. The matrix is written down in docs/security.md."""

import functools

from django.conf import settings
from django.contrib.auth.views import redirect_to_login


def site_visible(view):
    """Anonymous visitors may read public pages unless the whole site is private."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if settings.SITE_PRIVATE and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
