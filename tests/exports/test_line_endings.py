"""COPY ends rows with \n; the export's rows end with \r\n as csv.writer's
do, while a line break inside a quoted cell stays as it is."""

from campaign.exports import _crlf


def test_row_ends_become_crlf_and_quoted_breaks_stay():
    chunk = b'1,a\n2,"x\ny",b\n3,"say ""hi""\n",c\n'
    assert _crlf(chunk, False) == (b'1,a\r\n2,"x\ny",b\r\n3,"say ""hi""\n",c\r\n', False)


def test_a_quoted_cell_may_span_two_chunks():
    first, quoted = _crlf(b'1,"one\ntwo', False)
    assert (first, quoted) == (b'1,"one\ntwo', True)
    second, quoted = _crlf(b'\nthree"\n2,b\n', quoted)
    assert (second, quoted) == (b'\nthree"\r\n2,b\r\n', False)


def test_a_chunk_wholly_inside_a_quoted_cell_is_left_alone():
    assert _crlf(b"still\ninside", True) == (b"still\ninside", True)
