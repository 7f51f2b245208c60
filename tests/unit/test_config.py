"""Settings from the environment and the TOML file; bad values stop start-up clearly."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, StaffSettings, load_settings


def test_defaults_need_nothing_set() -> None:
    """A newcomer with no environment gets the Stockholm partnership on SQLite."""
    settings = load_settings({})
    assert settings.db_path == Path("jourbot.db")
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.telegram is None
    assert settings.twilio is None
    p = settings.partnership
    assert {o.id for o in p.organisations} >= {"vasterort", "stodcentrum"}
    assert (p.young_org_id, p.default_org_id) == ("stodcentrum", "vasterort")
    assert p.first_contact_hours == 72
    assert (p.evening_start, p.evening_end) == (time(18), time(21))
    assert (p.quiet_start, p.quiet_end) == (time(21), time(8))
    assert (p.unassigned_hours, p.warning_hours, p.evening_reminder_at) == (12, 24, time(15))
    assert settings.sweep_minutes == 5
    assert settings.send_limits.telegram_chat_interval == 1.0
    assert settings.send_limits.sms_per_second == 1.0
    assert settings.synchronous == "full"  # nothing acknowledged is lost to a power cut
    assert (settings.retries.first_seconds, settings.retries.longest_seconds) == (2.0, 600.0)
    assert p.numbers.national_line == "116 006"
    assert "organisation vasterort" in settings.unconfirmed
    # Staff chats get no seeker details; the desk is on the address the service binds.
    assert settings.staff == StaffSettings(False, "http://127.0.0.1:8080/desk")
    assert settings.desk.public_url == "http://127.0.0.1:8080"


def test_environment_names_of_the_design() -> None:
    """Every documented variable is read."""
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret-token_1",
            "PUBLIC_URL": "https://bot.example.org",
            "JOURBOT_DB": "/tmp/x.db",
            "JOURBOT_HOST": "0.0.0.0",
            "JOURBOT_PORT": "9000",
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "tok",
            "TWILIO_FROM_NUMBER": "+46700000000",
            "TELEGRAM_READ_TIMEOUT_SECONDS": "1.5",
            "JOURBOT_RETRY_FIRST_SECONDS": "0.05",
            "JOURBOT_RETRY_LONGEST_SECONDS": "30",
        }
    )
    assert settings.telegram is not None
    assert settings.telegram.webhook
    assert settings.telegram.api_url == "http://127.0.0.1:8081"
    assert settings.telegram.read_timeout == 1.5
    assert (settings.retries.first_seconds, settings.retries.longest_seconds) == (0.05, 30.0)
    assert (settings.host, settings.port, settings.db_path) == ("0.0.0.0", 9000, Path("/tmp/x.db"))
    assert settings.twilio is not None
    assert (settings.twilio.account_sid, settings.twilio.from_number) == ("AC1", "+46700000000")
    assert settings.twilio.public_url == "https://bot.example.org"
    assert settings.staff.desk_url == "https://bot.example.org/desk"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"JOURBOT_PORT": "eighty"}, "JOURBOT_PORT"),
        ({"JOURBOT_PORT": "70000"}, "JOURBOT_PORT"),
        ({"PUBLIC_URL": "bot.example.org"}, "PUBLIC_URL"),
        ({"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        (
            {"TELEGRAM_BOT_TOKEN": "1:a", "PUBLIC_URL": "https://bot.example.org"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_WEBHOOK_SECRET": "has space"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, "PUBLIC_URL"),
        (
            {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "PUBLIC_URL": "https://x.org"},
            "TWILIO_FROM_NUMBER",
        ),
        (
            {
                "TWILIO_ACCOUNT_SID": "AC1",
                "TWILIO_AUTH_TOKEN": "t",
                "PUBLIC_URL": "https://x.org",
                "TWILIO_FROM_NUMBER": "+46700000000",
                "TWILIO_API_URL": "localhost:9",
            },
            "TWILIO_API_URL",
        ),
        ({"JOURBOT_CONFIG": "/nonexistent/jourbot.toml"}, "JOURBOT_CONFIG"),
        ({"JOURBOT_RETRY_FIRST_SECONDS": "soon"}, "JOURBOT_RETRY_FIRST_SECONDS"),
        ({"JOURBOT_RETRY_FIRST_SECONDS": "0"}, "JOURBOT_RETRY_FIRST_SECONDS"),
        ({"JOURBOT_RETRY_LONGEST_SECONDS": "inf"}, "JOURBOT_RETRY_LONGEST_SECONDS"),
        ({"JOURBOT_RETRY_LONGEST_SECONDS": "1"}, "JOURBOT_RETRY_LONGEST_SECONDS"),  # < first
        (
            {"TELEGRAM_BOT_TOKEN": "1:a", "TELEGRAM_READ_TIMEOUT_SECONDS": "-1"},
            "TELEGRAM_READ_TIMEOUT_SECONDS",
        ),
    ],
)
def test_bad_environment_names_the_setting(env: dict[str, str], names: str) -> None:
    """The error is one line and starts with the name of the setting."""
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    message = str(caught.value)
    assert message.startswith(names) and "\n" not in message


MINIMAL = """
[routing]
young = "young"
default = "adult"

[[organisations]]
id = "young"
name = "Young"
phone = "1"

[[organisations]]
id = "adult"
name = "Adult"
phone = "2"

[[districts]]
id = "d1"
name = "District One"
org = "adult"
aliases = ["Uno"]
"""


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (("", "[followup]\nfirst_contact_hours = 0\n"), "first_contact_hours"),
        (("", '[followup]\nevening = "6pm"\n'), "evening"),
        (('default = "adult"', 'default = "nobody"'), "routing.default"),
        (('org = "adult"', 'org = "ghost"'), "districts[0].org"),
        (('phone = "2"', 'phone = ""'), "organisations[1].phone"),
        (("", 'timezone = "Mars/Olympus"\n'), "timezone"),
        (("", '[open_evening]\nweekday = "someday"\nphone = "1"\n'), "open_evening.weekday"),
        (
            (
                'aliases = ["Uno"]',
                'aliases = ["Uno"]\n[[districts]]\nid = "d2"\nname = "Uno"\norg = "adult"',
            ),
            "districts",
        ),
        (("[routing]", "[routing"), "not valid TOML"),
        (("", '[storage]\nsynchronous = "off"\n'), "storage.synchronous"),
        (("", '[staff]\ntelegram_details = "yes"\n'), "staff.telegram_details"),
        (("", '[webchat]\nexit_url = "http://weather.example"\n'), "webchat.exit_url"),
        (("", '[webchat]\nembed_on = ["https://site.example/page"]\n'), "webchat.embed_on"),
        (("", '[webchat]\nembed_on = ["http://site.example"]\n'), "webchat.embed_on"),
        (("", '[webchat]\nembed_on = "https://site.example"\n'), "webchat.embed_on"),
        (("", "[webchat]\nchallenge_bits = 30\n"), "webchat.challenge_bits"),
        (("", "[webchat]\nopen_chats_at_most = 0\n"), "webchat.open_chats_at_most"),
        (('phone = "2"', 'phone = "2"\nvoice_number = "08-50"'), "organisations[1].voice_number"),
        (("", "[calls]\nper_day = 0\n"), "calls.per_day"),
        (("", "[calls]\nring_seeker_seconds = 900\n"), "calls.ring_seeker_seconds"),
    ],
)
def test_bad_config_file_names_the_key(tmp_path: Path, change: tuple[str, str], names: str) -> None:
    """A bad TOML value is reported with the path of its key."""
    old, new = change
    text = (new + MINIMAL) if old == "" else MINIMAL.replace(old, new)
    path = tmp_path / "jourbot.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({"JOURBOT_CONFIG": str(path)})
    assert str(caught.value).startswith("JOURBOT_CONFIG")
    assert names in str(caught.value)


def test_minimal_config_file(tmp_path: Path) -> None:
    """A file needs only organisations, districts and routing; the rest has defaults."""
    path = tmp_path / "jourbot.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    p = load_settings({"JOURBOT_CONFIG": str(path)}).partnership
    assert p.district("d1").aliases == ("Uno",)
    assert p.open_evening is None and p.first_contact_hours == 72


def test_json_log_lines_carry_events_not_text() -> None:
    """JOURBOT_LOG_FORMAT=json: one object a line; an exception by its type only."""
    import json
    import logging

    from bot.logs import JsonLines

    try:
        raise ValueError("Zacharias +46701234567")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "bot.x", logging.ERROR, __file__, 1, "intake.case_created case=%s org=%s",
            ("K7M-4QX", "vasterort"), sys.exc_info(),
        )  # fmt: skip
    line = JsonLines().format(record)
    entry = json.loads(line)
    assert (entry["event"], entry["case"], entry["org"]) == (
        "intake.case_created",
        "K7M-4QX",
        "vasterort",
    )
    assert entry["exception"] == "ValueError"
    assert "Zacharias" not in line


def test_a_faster_commit_is_an_explicit_choice(tmp_path: Path) -> None:
    path = tmp_path / "jourbot.toml"
    path.write_text('[storage]\nsynchronous = "normal"\n' + MINIMAL, encoding="utf-8")
    assert load_settings({"JOURBOT_CONFIG": str(path)}).synchronous == "normal"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_settings({"JOURBOT_CONFIG": str(path)}).synchronous == "full"


@pytest.mark.parametrize(
    ("env", "desk"),
    [
        ({"PUBLIC_URL": "https://jour.example.org/bot/"}, "https://jour.example.org/bot/desk"),
        ({"JOURBOT_HOST": "::1", "JOURBOT_PORT": "9000"}, "http://[::1]:9000/desk"),
    ],
)
def test_the_desk_is_under_the_public_url_or_the_bound_address(
    env: dict[str, str], desk: str
) -> None:
    """The link in a staff notice is PUBLIC_URL/desk, else where the service listens."""
    assert load_settings(env).staff.desk_url == desk


def test_seeker_details_in_staff_chats_are_an_explicit_choice(tmp_path: Path) -> None:
    """[staff] telegram_details = true keeps the detailed messages; left out, it is off."""
    path = tmp_path / "jourbot.toml"
    path.write_text("[staff]\ntelegram_details = true\n" + MINIMAL, encoding="utf-8")
    assert load_settings({"JOURBOT_CONFIG": str(path)}).staff.telegram_details
    path.write_text(MINIMAL, encoding="utf-8")
    assert not load_settings({"JOURBOT_CONFIG": str(path)}).staff.telegram_details


def test_the_web_chat_is_framed_only_by_the_sites_named(tmp_path: Path) -> None:
    """[webchat] embed_on lists the origins that may show the chat in a frame; by default
    none, and the limits have their documented defaults."""
    path = tmp_path / "jourbot.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    chat = load_settings({"JOURBOT_CONFIG": str(path)}).webchat
    assert chat.embed_on == ()
    assert (chat.open_chats_at_most, chat.challenge_from, chat.challenge_bits) == (3000, 2000, 16)
    path.write_text(
        '[webchat]\nembed_on = ["https://www.jour.example"]\nchallenge_from = 500\n' + MINIMAL,
        encoding="utf-8",
    )
    chat = load_settings({"JOURBOT_CONFIG": str(path)}).webchat
    assert chat.embed_on == ("https://www.jour.example",) and chat.challenge_from == 500


def test_calls_go_only_through_the_numbers_named(tmp_path: Path) -> None:
    """An organisation places calls once it has a voice_number (E.164 from what is written)
    and Twilio is configured; staff notices offer the call only then."""
    path = tmp_path / "jourbot.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    settings = load_settings({"JOURBOT_CONFIG": str(path)})
    assert settings.calls.numbers == () and settings.calls.per_day == 40
    path.write_text(
        "[calls]\nper_day = 5\n"
        + MINIMAL.replace('phone = "2"', 'phone = "2"\nvoice_number = "08-500 000 00"'),
        encoding="utf-8",
    )
    env = {"JOURBOT_CONFIG": str(path)}
    calls = load_settings(env).calls
    assert (calls.number("adult"), calls.number("young"), calls.per_day) == (
        "+46850000000", None, 5,
    )  # fmt: skip
    assert load_settings(env).staff.calling_orgs == frozenset()  # no Twilio: no calls
    twilio = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+1",
              "PUBLIC_URL": "https://jour.example"}  # fmt: skip
    assert load_settings(env | twilio).staff.calling_orgs == frozenset({"adult"})
