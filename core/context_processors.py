from django.conf import settings


def site(request):
    return {"COALITION_NAME": settings.COALITION_NAME}
