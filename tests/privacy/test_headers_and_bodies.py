"""Holes 5 and 8 of the privacy issue: anonymous bodies are capped before they
are read, and the response headers switch off browser features and images
from other origins."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

pytestmark = pytest.mark.django_db

SIGNUP = "/c/parks-alcohol-ordinance/"


class CountingStream(io.BytesIO):
    """A request body that records how much of it was read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


def test_an_anonymous_large_multipart_body_is_refused_unread(client, pine_county):
    from django.test.client import encode_multipart

    body = encode_multipart("BoUnDaRy", {"file": SimpleUploadedFile("a.csv", b"x" * 1_000_000)})
    stream = CountingStream(body)
    response = client.generic(
        "POST",
        SIGNUP,
        data=b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        **{"wsgi.input": stream, "CONTENT_LENGTH": str(len(body))},
    )
    assert response.status_code == 413
    assert stream.read_bytes == 0
    assert "Too much to send" in response.content.decode()


def test_a_chunked_anonymous_body_without_length_is_refused(client, pine_county):
    response = client.generic(
        "POST", SIGNUP, data=b"a=1", HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH=""
    )
    assert response.status_code == 413


def test_a_small_anonymous_post_still_reaches_the_form(client, pine_county):
    response = client.post(SIGNUP, {"first_name": ""})
    assert response.status_code == 200


@override_settings(ANONYMOUS_BODY_MAX_BYTES=1000)
def test_a_signed_in_coordinator_may_send_a_larger_body(client, coordinator, pine_county):
    client.force_login(coordinator)
    response = client.post(
        "/imports/", {"file": SimpleUploadedFile("people.csv", b"email\n" + b"a@b.org\n" * 500)}
    )
    assert response.status_code != 413


def test_pages_switch_off_browser_features_nobody_needs(client, pine_county):
    policy = client.get(SIGNUP)["Permissions-Policy"]
    assert "geolocation=()" in policy
    assert "camera=()" in policy
    assert "microphone=()" in policy


def test_images_come_only_from_here_by_default(client, pine_county):
    csp = client.get(SIGNUP)["Content-Security-Policy"]
    img_src = next(part for part in csp.split(";") if part.strip().startswith("img-src"))
    assert img_src.split() == ["img-src", "'self'", "data:"]
