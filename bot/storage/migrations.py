"""Schema changes in order; the database's PRAGMA user_version says how many have run.

Append, never edit: a database in the field has already run the earlier entries.
"""

import sqlite3


def statements(script: str) -> list[str]:
    """Split a migration into whole statements (a trigger's body holds semicolons too)."""
    found, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current.strip().rstrip(";"))
            current = ""
    if current.strip():
        found.append(current.strip())
    return found


MIGRATIONS: tuple[str, ...] = (
    # 1: seekers, their conversations, cases and anonymous intake outcomes.
    """
    CREATE TABLE seekers (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (channel, address)
    );
    CREATE TABLE conversations (
        seeker_id INTEGER PRIMARY KEY REFERENCES seekers(id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX conversations_updated ON conversations(updated_at);
    CREATE TABLE cases (
        id INTEGER PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        seeker_id INTEGER REFERENCES seekers(id) ON DELETE SET NULL,
        source TEXT NOT NULL,
        channel TEXT NOT NULL,
        org_id TEXT NOT NULL,
        locale TEXT NOT NULL,
        received_at TEXT NOT NULL,
        status TEXT NOT NULL,
        role TEXT,
        age_group TEXT,
        area_kind TEXT,
        district_id TEXT,
        crime TEXT,
        contact TEXT NOT NULL,
        talk_language TEXT,
        gender TEXT
    );
    CREATE INDEX cases_org_status ON cases(org_id, status, received_at);
    CREATE TABLE case_circumstances (
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        circumstance TEXT NOT NULL,
        PRIMARY KEY (case_id, circumstance)
    );
    CREATE TABLE case_needs (
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        need TEXT NOT NULL,
        PRIMARY KEY (case_id, need)
    );
    CREATE TABLE case_contacts (
        case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
        phone TEXT,
        email TEXT,
        call_time TEXT,
        call_time_note TEXT,
        voicemail_ok INTEGER,
        sms_ok INTEGER,
        talk_language_other TEXT,
        notes TEXT
    );
    CREATE TABLE intake_outcomes (
        id INTEGER PRIMARY KEY,
        outcome TEXT NOT NULL,
        channel TEXT NOT NULL,
        locale TEXT NOT NULL,
        at TEXT NOT NULL
    )
    """,
    # 2: the text-message channels: opt-outs, inbound deduplication, outbound delivery state.
    """
    ALTER TABLE seekers ADD COLUMN opted_out_at TEXT;
    CREATE TABLE inbound_messages (
        channel TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (channel, provider_id)
    );
    CREATE INDEX inbound_messages_received ON inbound_messages(received_at);
    CREATE TABLE outbound_messages (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        seeker_id INTEGER REFERENCES seekers(id) ON DELETE SET NULL,
        provider_id TEXT UNIQUE,
        status TEXT NOT NULL,
        error_code INTEGER,
        encoding TEXT,
        segments INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX outbound_messages_seeker ON outbound_messages(seeker_id)
    """,
    # 3: the staff side: staff, invites, assignment, attempts, the audit trail, the relay.
    """
    CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        role TEXT NOT NULL,
        name TEXT NOT NULL,
        telegram_id INTEGER UNIQUE,
        locale TEXT NOT NULL,
        languages TEXT NOT NULL DEFAULT '',
        trained_on TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE INDEX staff_org ON staff(org_id, role, active);
    CREATE TABLE invites (
        code_hash TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        role TEXT NOT NULL,
        created_by INTEGER REFERENCES staff(id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by INTEGER REFERENCES staff(id)
    );
    ALTER TABLE cases ADD COLUMN volunteer_id INTEGER REFERENCES staff(id);
    ALTER TABLE cases ADD COLUMN closed_at TEXT;
    ALTER TABLE cases ADD COLUMN close_reason TEXT;
    CREATE INDEX cases_volunteer ON cases(volunteer_id, status);
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        staff_id INTEGER REFERENCES staff(id),
        at TEXT NOT NULL,
        channel TEXT NOT NULL,
        outcome TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX attempts_case ON attempts(case_id, at);
    CREATE TABLE case_events (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        staff_id INTEGER REFERENCES staff(id),
        event TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX case_events_case ON case_events(case_id, at);
    CREATE TABLE case_messages (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        from_seeker INTEGER NOT NULL,
        staff_id INTEGER REFERENCES staff(id),
        body TEXT NOT NULL
    );
    CREATE INDEX case_messages_case ON case_messages(case_id, at);
    CREATE TABLE staff_sessions (
        staff_id INTEGER PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
        replying_to INTEGER REFERENCES cases(id) ON DELETE SET NULL
    )
    """,
    # 4: follow-up reminders, each (case, rule, period) once; open cases found by index.
    """
    CREATE TABLE reminders (
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        period TEXT NOT NULL,
        state TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        sent_at TEXT,
        PRIMARY KEY (case_id, rule, period)
    );
    CREATE INDEX cases_awaiting_contact
        ON cases(id, reference, org_id, status, received_at, volunteer_id, source, locale, channel)
        WHERE status IN ('new', 'assigned')
    """,
    # 5: encryption at rest: sealed values are found by keyed hashes, never by themselves.
    """
    ALTER TABLE seekers ADD COLUMN address_hash TEXT;
    CREATE UNIQUE INDEX seekers_lookup ON seekers(channel, address_hash);
    ALTER TABLE staff ADD COLUMN telegram_chat TEXT;
    ALTER TABLE staff ADD COLUMN telegram_hash TEXT;
    CREATE UNIQUE INDEX staff_lookup ON staff(telegram_hash)
    """,
    # 6: the outbox: every outbound message is written here with the change that caused it.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        address_hash TEXT NOT NULL,
        seeker_id INTEGER REFERENCES seekers(id) ON DELETE CASCADE,
        locale TEXT NOT NULL,
        message TEXT NOT NULL,
        edit_of INTEGER,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        provider_id TEXT,
        error TEXT
    );
    CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state IN ('pending', 'sending');
    CREATE INDEX outbox_order ON outbox(address_hash, id) WHERE state IN ('pending', 'sending')
    """,
    # 7: the inbox: a text message is stored before Twilio hears "received".
    """
    CREATE TABLE inbox (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        UNIQUE (channel, provider_id)
    )
    """,
    # 8: events found by kind and time, for the report (cases moved between organisations).
    """
    CREATE INDEX case_events_event ON case_events(event, at)
    """,
    # 9: which key the stored data is sealed under (a sealed check value), or "plain".
    """
    CREATE TABLE keyring (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        check_value TEXT NOT NULL
    )
    """,
    # 10: the outbox hands out each address's oldest unsent message (its head), shortest
    # queues first (seq); holds a repeated message once (digest); keeps an erased message's
    # place while it is being sent ('erasing'); carries what to queue once a message is sent
    # or given up. Triggers move the head on, whichever way a message leaves the queue
    # (sent, given up, deleted, or deleted with its seeker). Messages about a seeker are
    # found by seeker, so their erasure does not read the whole outbox.
    """
    ALTER TABLE outbox ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE outbox ADD COLUMN digest TEXT;
    ALTER TABLE outbox ADD COLUMN on_sent TEXT;
    ALTER TABLE outbox ADD COLUMN on_failed TEXT;
    DROP INDEX outbox_due;
    DROP INDEX outbox_order;
    CREATE INDEX outbox_order ON outbox(address_hash, id)
        WHERE state IN ('pending', 'sending', 'erasing');
    UPDATE outbox SET head = 1 WHERE state IN ('pending', 'sending') AND id = (
        SELECT MIN(p.id) FROM outbox p WHERE p.address_hash = outbox.address_hash
        AND p.state IN ('pending', 'sending'));
    CREATE INDEX outbox_heads ON outbox(seq, id) WHERE state = 'pending' AND head = 1;
    CREATE INDEX outbox_seeker ON outbox(seeker_id) WHERE seeker_id IS NOT NULL;
    CREATE TRIGGER outbox_next_after_done AFTER UPDATE OF state ON outbox
        WHEN OLD.head = 1 AND NEW.state IN ('sent', 'failed')
    BEGIN
        UPDATE outbox SET head = 0 WHERE id = NEW.id;
        UPDATE outbox SET head = 1 WHERE id = (SELECT MIN(id) FROM outbox
            WHERE address_hash = NEW.address_hash AND state IN ('pending', 'sending', 'erasing'));
    END;
    CREATE TRIGGER outbox_next_after_delete AFTER DELETE ON outbox WHEN OLD.head = 1
    BEGIN
        UPDATE outbox SET head = 1 WHERE id = (SELECT MIN(id) FROM outbox
            WHERE address_hash = OLD.address_hash AND state IN ('pending', 'sending', 'erasing'));
    END
    """,
    # 11: every statement of a turn, an erasure, the sweep and start-up finds its rows by an
    # index, never by reading a table that grows with history (tests/integration/
    # test_query_plans.py holds this): a seeker's cases; an address's messages that are done
    # (an erasure takes the sent ones too; an index of all its messages would let the queue's
    # own look-ups wade through a busy chat's whole history); the few messages in flight;
    # outcomes by day; an organisation's cases by the day they came in (the report's period).
    """
    CREATE INDEX cases_seeker ON cases(seeker_id);
    CREATE INDEX cases_org_received ON cases(org_id, received_at);
    CREATE INDEX outbox_done ON outbox(address_hash) WHERE state IN ('sent', 'failed');
    CREATE INDEX outbox_sending ON outbox(id) WHERE state = 'sending';
    CREATE INDEX outbox_erasing ON outbox(id) WHERE state = 'erasing';
    CREATE INDEX intake_outcomes_at ON intake_outcomes(at);
    """,
    # 12: the staff desk. A sign-in link and a session are known by their hash only (the
    # token lives in the link or the cookie); a passkey by its credential id, with the public
    # key to check it and the counter a cloned authenticator would repeat. What staff read
    # or take out that is not one case's (a report downloaded) is recorded beside the case
    # events, which hold every view of a case. The board finds the recently closed cases of an
    # organisation without reading all it ever closed, and which cases someone reached (the
    # overdue ones are those nobody did) without reading every attempt.
    """
    CREATE TABLE desk_links (
        token_hash TEXT PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE INDEX desk_links_expires ON desk_links(expires_at);
    CREATE TABLE desk_sessions (
        token_hash TEXT PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX desk_sessions_staff ON desk_sessions(staff_id);
    CREATE INDEX desk_sessions_seen ON desk_sessions(seen_at);
    CREATE TABLE passkeys (
        credential_id BLOB PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        public_key BLOB NOT NULL,
        sign_count INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        used_at TEXT
    );
    CREATE INDEX passkeys_staff ON passkeys(staff_id);
    CREATE TABLE staff_access (
        id INTEGER PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        what TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX staff_access_at ON staff_access(at);
    CREATE INDEX cases_org_closed ON cases(org_id, closed_at) WHERE status = 'closed';
    CREATE INDEX attempts_reaching ON attempts(case_id) WHERE outcome IN ('declined', 'reached');
    """,
    # 13: the web chat. What the service says to a seeker in the browser is kept here, sealed,
    # until their page reads it (it keeps nothing itself), and goes with the seeker.
    """
    CREATE TABLE webchat_messages (
        id INTEGER PRIMARY KEY,
        seeker_id INTEGER NOT NULL REFERENCES seekers(id) ON DELETE CASCADE,
        body TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX webchat_messages_seeker ON webchat_messages(seeker_id, id);
    """,
    # 14: coming back to a web chat. A page holds a pass (only its hash is here), never the
    # seeker's address; quick exit ends the pass. A seeker with a case may come back from any
    # browser with the case reference and a code, kept as a salted scrypt hash.
    """
    CREATE TABLE webchat_passes (
        pass_hash TEXT PRIMARY KEY,
        seeker_id INTEGER NOT NULL REFERENCES seekers(id) ON DELETE CASCADE,
        seen INTEGER NOT NULL DEFAULT 0,
        opened_at TEXT NOT NULL
    );
    CREATE INDEX webchat_passes_seeker ON webchat_passes(seeker_id);
    CREATE TABLE webchat_returns (
        seeker_id INTEGER PRIMARY KEY REFERENCES seekers(id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        set_at TEXT NOT NULL
    );
    """,
    # 15: a staff member's own phone, for calls the service places through the association's
    # number (it rings them first). Sealed like every number; never shown to a seeker.
    """
    ALTER TABLE staff ADD COLUMN phone TEXT;
    """,
    # 16: calls the service places through an association's number: when and how each went,
    # never what was said (nothing is recorded) and no number (the case and the staff row hold
    # them, sealed). Twilio's id of the call is unique, so a callback sent twice counts once.
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        staff_id INTEGER NOT NULL REFERENCES staff(id),
        org_id TEXT NOT NULL,
        state TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        hang_up_on_machine INTEGER NOT NULL,
        call_sid TEXT UNIQUE,
        dialed_at TEXT,
        answered_by TEXT,
        outcome TEXT,
        seconds INTEGER,
        attempt_id INTEGER REFERENCES attempts(id) ON DELETE SET NULL
    );
    CREATE INDEX calls_org_requested ON calls(org_id, requested_at);
    CREATE INDEX calls_case ON calls(case_id, requested_at);
    """,
    # 17: whether the seeker said only the daytime is safe to call, kept with the case's
    # anonymous statistics (the answer itself goes with the contact details on erasure): the
    # report counts their not-reached cases on a line of their own (issue 22).
    """
    ALTER TABLE cases ADD COLUMN daytime_only INTEGER NOT NULL DEFAULT 0;
    UPDATE cases SET daytime_only = 1
        WHERE id IN (SELECT case_id FROM case_contacts WHERE call_time = 'daytime');
    """,
    # 18: volunteers' absences (Stockholm days, both ends included) and the open cases they can
    # carry; an absence remembers when its volunteer was welcomed back (issue 22).
    """
    ALTER TABLE staff ADD COLUMN max_open INTEGER;
    CREATE TABLE absences (
        id INTEGER PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        starts_on TEXT NOT NULL,
        ends_on TEXT NOT NULL,
        created_at TEXT NOT NULL,
        welcomed_at TEXT
    );
    CREATE INDEX absences_ends ON absences(ends_on, staff_id);
    """,
    # 19: the support given after first contact: when, how, how long, and the agreement's
    # kinds of help, a referral naming an organisation of the directory by its id; never what
    # was said. Anonymous, so kept with the case's statistics after erasure (issue 22).
    """
    CREATE TABLE care_contacts (
        id INTEGER PRIMARY KEY,
        case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        staff_id INTEGER REFERENCES staff(id),
        on_date TEXT NOT NULL,
        how TEXT NOT NULL,
        minutes INTEGER NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX care_contacts_case ON care_contacts(case_id, on_date);
    CREATE INDEX care_contacts_on ON care_contacts(on_date);
    CREATE TABLE care_support (
        contact_id INTEGER NOT NULL REFERENCES care_contacts(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        on_date TEXT
    );
    CREATE INDEX care_support_contact ON care_support(contact_id);
    """,
    # 20: further training and supervision per staff member, and reminders about a person
    # (not a case), each (staff member, rule, period) sent once (issue 22).
    """
    CREATE TABLE training_sessions (
        id INTEGER PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        on_date TEXT NOT NULL,
        kind TEXT NOT NULL,
        recorded_by INTEGER REFERENCES staff(id),
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX training_sessions_staff ON training_sessions(staff_id, on_date);
    CREATE INDEX training_sessions_on ON training_sessions(on_date);
    CREATE TABLE staff_reminders (
        staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        period TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (staff_id, rule, period)
    );
    """,
)
