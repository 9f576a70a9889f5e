"""The shared form-error piece (dashboard/forms.py, _form_errors.html): summary, field errors, focus."""

from __future__ import annotations

from smsbot.dashboard.forms import FORM, FormErrors
from smsbot.dashboard.web import env
from smsbot.errors import Conflict, Invalid

PAGE = env.from_string(
    '{% from "_form_errors.html" import field_error, invalid %}'
    '{% include "_form_errors.html" %}'
    '<input id="phone"{{ invalid(errors, "phone", "phone-hint") }}>{{ field_error(errors, "phone") }}'
    '<input id="nickname"{{ invalid(errors, "nickname") }}>{{ field_error(errors, "nickname") }}'
)


def test_first_message_per_field_in_order() -> None:
    errors = FormErrors().add("phone", "Type their mobile number.").add("nickname", "Give a nickname.")
    errors.add("phone", "a second message is dropped")
    assert list(errors.items()) == [("phone", "Type their mobile number."), ("nickname", "Give a nickname.")]
    assert errors.first == "phone"
    assert FormErrors().first is None


def test_from_domain_uses_the_field_and_the_words_the_actor_may_read() -> None:
    err = Conflict("This number can't be enrolled here; ask an admin.", field="phone", admin_message="more")
    assert FormErrors.from_domain(err) == {"phone": "This number can't be enrolled here; ask an admin."}
    assert FormErrors.from_domain(err, is_admin=True) == {"phone": "more"}
    assert FormErrors.from_domain(Invalid("Choose a time.")) == {FORM: "Choose a time."}
    assert FormErrors.from_domain(Invalid("Choose a time."), field="time") == {"time": "Choose a time."}


def test_summary_links_to_fields_and_takes_focus() -> None:
    html = PAGE.render(errors=FormErrors({"phone": "Type their mobile number."}))
    assert 'class="error-summary"' in html
    assert '<a href="#phone" autofocus>Type their mobile number.</a>' in html
    assert 'aria-invalid="true" aria-describedby="phone-error phone-hint"' in html
    assert 'id="phone-error"' in html
    assert 'id="nickname">' in html  # no error, no hint: no attributes


def test_form_wide_error_focuses_the_box_and_nothing_without_errors() -> None:
    html = PAGE.render(errors=FormErrors({FORM: "Something changed meanwhile; try again."}))
    assert 'tabindex="-1" autofocus>' in html and 'href="#form"' not in html
    clean = PAGE.render(errors=FormErrors())
    assert "error-summary" not in clean and "aria-invalid" not in clean
    assert 'aria-describedby="phone-hint"' in clean
