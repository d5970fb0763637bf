"""Request bodies are bounded and decoded before any view or the CSRF check reads them: files
only where a page takes them, multipart within the form limit plus the page's file limit, forms
in UTF-8 only — each refusal a clear page, nothing saved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from adcmeet.meetings.models import AgendaItem
from tests import factories

MIB = 1 << 20


@pytest.fixture
def meeting():
    return factories.make_meeting()


def add_item(client, meeting, **extra):
    data = {
        "version": meeting.version,
        "section": "hot",
        "add-hot-title": "Rucio news",
        "add-hot-duration_minutes": "10",
        **extra,
    }
    return client.post(f"/meetings/{meeting.pk}/items/add/", data)


def test_a_form_sent_as_multipart_without_files_is_taken(client, convener, meeting):
    client.force_login(convener)
    response = add_item(client, meeting)

    assert response.status_code in {200, 302}
    assert AgendaItem.objects.filter(meeting=meeting, title="Rucio news").exists()


def test_a_file_sent_to_a_page_that_takes_none_is_refused_and_nothing_is_saved(
    client, convener, meeting
):
    client.force_login(convener)
    upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.7" * 1000)
    response = add_item(client, meeting, attachment=upload)

    assert response.status_code == 415
    assert "This page takes no files; nothing was saved." in response.content.decode()
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_a_multipart_body_past_the_form_limit_is_refused_before_it_is_read(
    client, convener, meeting
):
    client.force_login(convener)
    response = add_item(client, meeting, **{"add-hot-notes": "x" * (MIB + 10)})

    assert response.status_code == 413
    assert "nothing was saved" in response.content.decode()
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db
def test_an_upload_past_the_import_limit_is_refused_with_the_limit(client, manager):
    roadmap = factories.make_roadmap()
    client.force_login(manager)
    upload = SimpleUploadedFile("roadmap.md", b"- item\n" * (2 * MIB // 7))
    response = client.post(
        f"/roadmaps/{roadmap.pk}/import/", {"file": upload, "text": "", "action": "preview"}
    )

    assert response.status_code == 413
    assert "Files of at most 512 KiB are taken here; nothing was saved." in (
        response.content.decode()
    )


@pytest.mark.parametrize("charset", ["koi8-r", "x-no-such-charset", "utf-16"])
def test_a_form_declared_in_another_charset_is_a_clear_400(convener, meeting, charset):
    client = Client(enforce_csrf_checks=True)
    client.force_login(convener)
    client.cookies["csrftoken"] = "x" * 32
    response = client.generic(
        "POST",
        f"/meetings/{meeting.pk}/items/add/",
        b"title=Rucio&duration_minutes=10&csrfmiddlewaretoken=" + b"x" * 32,
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )

    assert response.status_code == 400
    assert "adcmeet reads forms in UTF-8 only" in response.content.decode()
    assert not AgendaItem.objects.filter(meeting=meeting).exists()
