import email
import email.policy

import pytest

from adcmeet.lib import mail

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:meeting-1@example.org\r\nSEQUENCE:2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def parse(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


def invite(**overrides):
    fields = {
        "subject": "Agenda: ADC development meeting",
        "text": "The agenda\n",
        "html": "<p>The agenda</p>",
        "to": ("ADC development", "atlas-adc-dev@example.org"),
        "from_email": "ADC meetings <adcmeet@example.org>",
        "headers": mail.list_headers(list_id="adc-dev.example.org", list_name="ADC dev"),
        "ics": ICS,
        "ics_method": "REQUEST",
        "message_id": "<agenda.1.2@example.org>",
    }
    fields.update(overrides)
    return mail.build_message(**fields)


def test_header_values_lose_line_breaks_and_control_characters():
    assert mail.header_value("Hot topics\r\nBcc: victim@example.org") == (
        "Hot topics Bcc: victim@example.org"
    )
    assert mail.header_value("tab\there\x00\u2028end") == "tab here end"


def test_long_header_values_are_cut_with_an_ellipsis():
    assert mail.header_value("x" * 300, limit=10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    "bad",
    [
        "alice@example.org\r\nBcc: victim@example.org",
        "alice@example.org, victim@example.org",
        "not an address",
        "",
    ],
)
def test_anything_but_one_valid_address_is_refused(bad):
    with pytest.raises(mail.BadAddress):
        mail.clean_address(bad)


def test_a_name_with_line_breaks_and_quotes_stays_in_one_to_header():
    message = parse(
        invite(to=('Mallory "the" Presenter\r\nBcc: victim@example.org', "mallory@example.org"))
    )
    raw = message.as_string()
    assert "\nBcc:" not in raw
    assert message.get_all("Bcc") is None
    assert message["To"].addresses[0].addr_spec == "mallory@example.org"
    assert "Bcc: victim@example.org" in message["To"].addresses[0].display_name


def test_a_subject_with_line_breaks_cannot_add_headers():
    message = parse(invite(subject="Agenda\r\nBcc: victim@example.org\r\nX-Evil: 1"))
    assert message.get_all("Bcc") is None
    assert message.get_all("X-Evil") is None
    assert message["Subject"] == "Agenda Bcc: victim@example.org X-Evil: 1"


def test_non_ascii_names_and_subjects_are_encoded_and_read_back():
    message = parse(invite(subject="Agenda: Zürich — état", to=("Zoë Ünal", "zoe@example.org")))
    assert message["Subject"] == "Agenda: Zürich — état"
    assert message["To"].addresses[0].display_name == "Zoë Ünal"
    assert all(ord(c) < 128 for c in message.as_string().split("\n\n", 1)[0])


def test_an_invite_is_mixed_around_alternative_with_the_calendar_also_attached():
    message = parse(invite())
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, calendar = alternative.get_payload()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert "SEQUENCE:2" in calendar.get_content()
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    assert b"METHOD:REQUEST" in attachment.get_content()


def test_a_cancellation_says_cancel_on_the_part_and_in_the_file_name():
    message = parse(invite(ics=ICS.replace("REQUEST", "CANCEL"), ics_method="cancel"))
    alternative, attachment = message.get_payload()
    assert alternative.get_payload()[2].get_param("method") == "CANCEL"
    assert attachment.get_filename() == "cancel.ics"


def test_a_mail_without_invite_is_plain_alternative():
    message = parse(invite(ics="", ics_method=""))
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.get_payload()] == ["text/plain", "text/html"]


def test_list_mail_has_list_id_and_auto_submitted_but_no_unsubscribe():
    message = parse(invite())
    assert message["List-Id"] == '"ADC dev" <adc-dev.example.org>'
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] is None


def test_personal_mail_points_list_unsubscribe_at_the_settings_page():
    headers = mail.list_headers(
        list_id="adc-dev.example.org",
        list_name="ADC meetings",
        settings_url="https://adc.example.org/me/",
        personal=True,
    )
    message = parse(invite(headers=headers, ics=""))
    assert message["List-Unsubscribe"] == "<https://adc.example.org/me/>"


def test_a_one_click_link_wins_over_the_settings_page_and_says_so_rfc_8058():
    headers = mail.list_headers(
        list_id="adc-dev.example.org",
        settings_url="https://adc.example.org/me/",
        unsubscribe_url="https://adc.example.org/mail/unsubscribe/7-slip:abc\r\nBcc: x@y.org/",
        personal=True,
    )
    message = parse(invite(headers=headers, ics=""))
    assert message["List-Unsubscribe"].strip() == (
        "<https://adc.example.org/mail/unsubscribe/7-slip:abc Bcc: x@y.org/>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Bcc"] is None


def test_the_message_id_given_is_the_one_sent():
    assert parse(invite())["Message-ID"] == "<agenda.1.2@example.org>"


def test_header_names_and_values_from_data_are_cleaned():
    message = parse(invite(headers={"X-Note": "one\r\nBcc: victim@example.org"}))
    assert message["X-Note"] == "one Bcc: victim@example.org"
    assert message.get_all("Bcc") is None
