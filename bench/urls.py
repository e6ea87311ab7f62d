"""Floor views for the sign-up surge: what any Django view costs on this
server (trivial), and what a validated one-row insert costs (minimal form)."""

from django import forms
from django.http import HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import include, path

from campaign.models import Tag

_FORM_PAGE = engines["django"].from_string(
    '<form method="post">{% csrf_token %}{{ form }}<button>Save</button></form>'
)


class FloorForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name"]


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


def minimal_form(request):
    """Validate one field (with its unique check) and INSERT one row, then redirect."""
    form = FloorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return HttpResponseRedirect("/bench/trivial/")
    return HttpResponse(_FORM_PAGE.render({"form": form}, request))


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/form/", minimal_form),
    path("", include("core.urls")),
]
handler400 = "core.views.bad_request"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
