"""bench/RESULTS.md from the figures: the tables, the targets, and which are missed.

A figure is shown as min / median / max over the rounds; a ratio is taken within each round
(its two sides ran one after the other) and then spread the same way. A target is judged on
the median of the rounds, except one that says "never", which is judged on the worst round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Spread = Mapping[str, float]

FLAT = 1.5  # per-turn actions and the sweep: the largest history within 1.5 x the smallest
REPORT_BELOW_MS = 1_000  # the year's report at the largest history
WRITER_WAIT_BELOW_MS = 50  # a small write beside the report, at every size, every round
# Carried over from the earlier tables (they are the project's, not this issue's):
TELEGRAM_RATIO = 0.5  # updates/s against the bare echo bot
TELEGRAM_P99_MS = 20
SMS_RATIO = 0.5  # webhook requests/s against the bare endpoint
SMS_P99_RATIO = 2.0
STARTUP_S = 2.0
PEAK_RSS_MB = 110
# The web chat with 2,000 chats open on two cores (issue 20):
WEBCHAT_REPLY_P99_MS = 250  # from a seeker's post to the reply on their chat's stream
WEBCHAT_RSS_MB = 200  # the whole service, at its peak


@dataclass(frozen=True)
class Target:
    """One target: what it asks, whether it is met, and the figure it was judged on."""

    part: str
    what: str
    met: bool
    judged: str


def num(value: float) -> str:
    """A figure with as many places as it needs to be read."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def span(spread: Spread) -> str:
    return f"{num(spread['min'])} / {num(spread['median'])} / {num(spread['max'])}"


def ratio(spread: Spread) -> str:
    return f"{spread['min']:.2f} / **{spread['median']:.2f}** / {spread['max']:.2f}"


def mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def targets(results: Mapping[str, Any]) -> list[Target]:
    """Every target the results can be judged against."""
    found: list[Target] = []
    telegram = results.get("telegram")
    if telegram:
        r = telegram["ratio_to_echo"]["median"]
        p99 = telegram["jourbot"]["p99_ms"]["median"]
        found += [
            Target("Telegram", f"updates/s >= {TELEGRAM_RATIO} x the bare echo bot",
                   r >= TELEGRAM_RATIO, f"{r:.2f} x"),
            Target("Telegram", f"webhook p99 < {TELEGRAM_P99_MS} ms", p99 < TELEGRAM_P99_MS,
                   f"{num(p99)} ms"),
        ]  # fmt: skip
    sms = results.get("sms")
    if sms:
        webhook = sms["webhook"]
        r, p = webhook["throughput_ratio"]["median"], webhook["p99_ratio"]["median"]
        found += [
            Target("SMS", f"webhook requests/s >= {SMS_RATIO} x the bare endpoint",
                   r >= SMS_RATIO, f"{r:.2f} x"),
            Target("SMS", f"webhook p99 <= {SMS_P99_RATIO:g} x the bare endpoint's",
                   p <= SMS_P99_RATIO, f"{p:.2f} x"),
        ]  # fmt: skip
    history = results.get("history")
    if history:
        found += history_targets(history)
    trips = results.get("trips")
    if trips:
        for kind, label, most in (("sms", "an SMS", 4), ("telegram", "a Telegram update", 3)):
            counted = [r.get("run", 0) + r.get("transaction", 0)
                       for name, r in trips.items() if name.startswith(kind)]  # fmt: skip
            found.append(Target("Units of work", f"{label} and its reply in <= {most}",
                                max(counted) <= most, " / ".join(map(str, counted))))  # fmt: skip
    webchat = results.get("webchat")
    if webchat:
        found += webchat_targets(webchat)
    return found


def webchat_targets(w: Mapping[str, Any]) -> list[Target]:
    """The reply's p99 at every rate, and the service's peak RSS (median of the rounds)."""
    found = []
    for stage in w["stages"].values():
        p99 = stage["jourbot"]["reply_p99_ms"]
        found.append(Target(
            "Web chat", f"post to reply p99 < {WEBCHAT_REPLY_P99_MS} ms with {w['chats']:,} open "
            f"chats, {stage['rate']:g} posts/s", p99["median"] < WEBCHAT_REPLY_P99_MS,
            f"{num(p99['median'])} ms (worst round {num(p99['max'])})"))  # fmt: skip
    peak, open_ = w["jourbot"]["rss_peak_mb"], w["jourbot"]["rss_open_mb"]
    found.append(Target(
        "Web chat", f"RSS of the whole service < {WEBCHAT_RSS_MB} MB with {w['chats']:,} open "
        "chats (its peak)", peak["median"] < WEBCHAT_RSS_MB,
        f"{num(peak['median'])} MB (worst round {num(peak['max'])}; "
        f"{num(open_['median'])} MB before the posts)"))  # fmt: skip
    return found


def history_targets(history: Mapping[str, Any]) -> list[Target]:
    sizes = history["sizes"]
    small, large = min(sizes), max(sizes)
    by_size, ratios = history["by_size"], history["largest_to_smallest"]
    found = []
    for name, label in (
        ("intake_turn", "an intake turn"), ("intake_stopped", "an intake ended by /stop"),
        ("erasure", "an erasure (/delete)"), ("relay_message", "a relay message"),
        ("staff_notice_delivered", "delivering a notice to a coordinator (a row added here)"),
        ("sweep", "the reminder sweep"),
    ):  # fmt: skip
        r = ratios[name]["median"]
        found.append(Target("History", f"{label} at {large:,} within {FLAT} x {small:,}",
                            r <= FLAT, f"{r:.2f} x"))  # fmt: skip
    report = by_size[str(large)]["report"]["median"]
    found.append(Target("History", f"the year's report under {REPORT_BELOW_MS:,} ms at {large:,}",
                        report < REPORT_BELOW_MS, f"{num(report)} ms"))  # fmt: skip
    worst = max(by_size[str(s)]["writer_wait_during_report"]["max"] for s in sizes)
    found.append(Target("History", f"the report never holds a writer up > {WRITER_WAIT_BELOW_MS} "
                        "ms (worst round, every size)", worst <= WRITER_WAIT_BELOW_MS,
                        f"{num(worst)} ms"))  # fmt: skip
    for size in sizes:
        figures = by_size[str(size)]
        found += [
            Target("History", f"start-up to healthy < {STARTUP_S:g} s at {size:,}",
                   figures["startup_to_healthy_s"] < STARTUP_S,
                   f"{figures['startup_to_healthy_s']} s"),
            Target("History", f"peak RSS < {PEAK_RSS_MB} MB at {size:,}",
                   figures["rss_peak_mb"] < PEAK_RSS_MB, f"{figures['rss_peak_mb']} MB"),
        ]  # fmt: skip
    return found


def telegram_table(t: Mapping[str, Any]) -> list[str]:
    ours, ack, echo = t["jourbot"], t["bare_ack"], t["bare_echo"]
    lines = [
        f"## Telegram: whole intakes through POST /telegram ({t['intakes_per_round']} intakes of "
        f"{t['updates_per_intake']} updates, {t['concurrency']} chats at a time)",
        "",
        "| figure | jourbot | bare PTB, acknowledge only | bare PTB, echo |",
        "|---|---|---|---|",
    ]
    for key, label in (
        ("updates_per_second", "updates/s"), ("intakes_per_second", "intakes/s"),
        ("p50_ms", "webhook answer p50 (ms)"), ("p99_ms", "webhook answer p99 (ms)"),
        ("cpu_ms_per_update", "CPU per update (ms)"),
    ):  # fmt: skip
        lines.append(f"| {label} | {span(ours[key])} | {span(ack[key])} | {span(echo[key])} |")
    lines.append(
        f"| updates/s, ours ÷ theirs | - | {ratio(t['ratio_to_ack'])} | "
        f"{ratio(t['ratio_to_echo'])} |"
    )
    return lines


def delivery_table(d: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Telegram delivery: the outbox sending queued replies, against a bare send loop",
        "",
        "| figure | jourbot | bare PTB send loop | ours ÷ theirs |",
        "|---|---|---|---|",
    ]
    for name, label in (("instant", "instant Bot API"), ("round_trip_50ms", "50 ms Bot API")):
        run = d[name]
        ours, bare = run["jourbot"], run["bare_send_loop"]
        lines += [
            f"| {label}, {run['messages']:,} messages: messages/s | "
            f"{span(ours['messages_per_second'])} | {span(bare['messages_per_second'])} | "
            f"{ratio(run['throughput_ratio'])} |",
            f"| {label}: CPU per message (µs) | {span(ours['cpu_us_per_message'])} | "
            f"{span(bare['cpu_us_per_message'])} | {ratio(run['cpu_ratio'])} |",
        ]
    return lines


def sms_table(s: Mapping[str, Any]) -> list[str]:
    webhook, e2e = s["webhook"], s["end_to_end"]
    ours, bare = webhook["jourbot"], webhook["bare_endpoint"]
    lines = [
        f"## SMS: `jourbot run` against a bare Starlette endpoint (webhook: {webhook['requests']:,}"
        f" texts over {webhook['concurrency']} connections; end to end: {e2e['senders']} numbers "
        f"x {e2e['turns_each']} texts)",
        "",
        "| figure | jourbot | bare endpoint | ours ÷ theirs |",
        "|---|---|---|---|",
        f"| webhook: requests/s | {span(ours['requests_per_second'])} | "
        f"{span(bare['requests_per_second'])} | {ratio(webhook['throughput_ratio'])} |",
        f"| webhook: p50 (ms) | {span(ours['p50_ms'])} | {span(bare['p50_ms'])} | - |",
        f"| webhook: p99 (ms) | {span(ours['p99_ms'])} | {span(bare['p99_ms'])} | "
        f"{ratio(webhook['p99_ratio'])} |",
    ]
    done = [r["turns_done_after_burst_s"] for r in webhook["rounds"]["jourbot"]]
    lines.append(
        f"| webhook: every turn done, after the burst (s) | {num(min(done))} / "
        f"{num(sorted(done)[len(done) // 2])} / {num(max(done))} | - | - |"
    )
    ours, bare = e2e["jourbot"], e2e["bare_end_to_end"]
    lines += [
        f"| end to end: turns/s | {span(ours['turns_per_second'])} | "
        f"{span(bare['turns_per_second'])} | {ratio(e2e['throughput_ratio'])} |",
        f"| end to end: text to reply p50 (ms) | {span(ours['p50_ms'])} | "
        f"{span(bare['p50_ms'])} | - |",
        f"| end to end: text to reply p99 (ms) | {span(ours['p99_ms'])} | "
        f"{span(bare['p99_ms'])} | {ratio(e2e['p99_ratio'])} |",
        f"| end to end: server CPU per turn (ms) | {span(ours['cpu_ms_per_turn'])} | "
        f"{span(bare['cpu_ms_per_turn'])} | - |",
    ]
    return lines


def history_table(h: Mapping[str, Any]) -> list[str]:
    sizes = h["sizes"]
    small, large = min(sizes), max(sizes)
    by_size = [h["by_size"][str(size)] for size in sizes]
    head = " | ".join(f"{size:,} cases" for size in sizes)
    lines = [
        f"## Seeded history ({h['open_cases']:,} open cases, {h['cases_a_year']:,} cases a year; "
        f"per round the median of {h['reps_per_round']} of each action, of "
        f"{h['sweeps_per_round']} sweeps and of {h['reports_per_round']} reports, and the "
        "longest writer wait beside those)",
        "",
        f"| figure | {head} | {large:,} ÷ {small:,} |",
        "|---|" + "---|" * (len(sizes) + 1),
    ]
    for key, label in (
        ("intake_turn", "intake turn, mid-intake (ms)"),
        ("intake_stopped", "intake ended without a case, /stop (ms)"),
        ("erasure", "erasure, /delete of a seeker with a case (ms)"),
        ("relay_message", "relay message, a seeker with a case writes (ms)"),
        ("staff_notice_delivered", "delivery of one notice to a coordinator (ms)"),
        ("sweep", f"reminder sweep, {h['open_cases']:,} open (ms)"),
        ("report", "report for one year (ms)"),
    ):
        cells = " | ".join(span(figures[key]) for figures in by_size)
        lines.append(f"| {label} | {cells} | {ratio(h['largest_to_smallest'][key])} |")
    for key, label in (
        ("writer_wait_during_report", "longest wait of a small write beside the report (ms)"),
        ("writer_wait_alone", "the same writer alone, as long (ms)"),
    ):
        cells = " | ".join(span(figures[key]) for figures in by_size)
        lines.append(f"| {label} | {cells} | - |")
    for key, label in (
        ("startup_to_healthy_s", "start-up to healthy, `jourbot run` (s, once)"),
        ("rss_idle_mb", "RSS idle (MB, once)"),
        ("rss_after_sms_mb", f"RSS after {h['sms_senders']:,} SMS senders (MB, once)"),
        ("rss_peak_mb", "peak RSS (MB, once)"),
        ("seed_seconds", "seeding (s)"),
        ("database_mb", "database file (MB)"),
    ):
        cells = " | ".join(num(figures[key]) for figures in by_size)
        lines.append(f"| {label} | {cells} | - |")
    return lines


def trips_table(trips: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Units of work for one message and its reply (from the request until it is sent)",
        "",
        "| message | units of work (transactions and runs) | lookups |",
        "|---|---|---|",
    ]
    for name, counts in trips.items():
        units = counts.get("run", 0) + counts.get("transaction", 0)
        lines.append(f"| {name.replace('_', ' ')} | {units} | {counts.get('lookup', 0)} |")
    return lines


def percent(spread: Spread) -> dict[str, float]:
    """A share (0.087) as a percentage (8.7)."""
    return {k: v * 100 for k, v in spread.items()}


def webchat_table(w: Mapping[str, Any]) -> list[str]:
    ours, bare = w["jourbot"], w["bare"]
    rates = " and ".join(f"{s['posts']:,} at {s['rate']:g} a second" for s in w["stages"].values())
    lines = [
        f"## Web chat: {w['chats']:,} chats open over Server-Sent Events, `jourbot run` against "
        f"a bare Starlette app ({w['open_at_once']} pages opening at a time; then `/help` "
        f"posts, {rates}, the chats in turn)",
        "",
        "| figure | jourbot | bare Starlette SSE | ours ÷ bare |",
        "|---|---|---|---|",
        f"| opening {w['chats']:,} chats (s) | {span(ours['open_seconds'])} | "
        f"{span(bare['open_seconds'])} | {ratio(w['open_ratio'])} |",
    ]
    for key, label in (
        ("open_p50_ms", "a start to its greeting on the stream, p50 (ms)"),
        ("open_p99_ms", "a start to its greeting, p99 (ms)"),
        ("cpu_ms_per_open", "server CPU per chat opened (ms)"),
        ("rss_idle_mb", "RSS before the chats (MB)"),
    ):
        lines.append(f"| {label} | {span(ours[key])} | {span(bare[key])} | - |")
    lines += [
        f"| RSS with {w['chats']:,} chats open (MB) | {span(ours['rss_open_mb'])} | "
        f"{span(bare['rss_open_mb'])} | {ratio(w['rss_open_ratio'])} |",
        f"| server CPU while they wait {w['waiting_seconds']:g} s (% of a core) | "
        f"{span(percent(ours['cpu_share_waiting']))} | "
        f"{span(percent(bare['cpu_share_waiting']))} | - |",
    ]
    for stage in w["stages"].values():
        at, o, b = f"{stage['rate']:g}/s", stage["jourbot"], stage["bare"]
        lines += [
            f"| {at}: post to reply p50 (ms) | {span(o['reply_p50_ms'])} | "
            f"{span(b['reply_p50_ms'])} | - |",
            f"| {at}: post to reply p99 (ms) | {span(o['reply_p99_ms'])} | "
            f"{span(b['reply_p99_ms'])} | {ratio(stage['reply_p99_ratio'])} |",
            f"| {at}: post to reply, slowest (ms) | {span(o['reply_max_ms'])} | "
            f"{span(b['reply_max_ms'])} | - |",
            f"| {at}: post to the whole turn (both events) p99 (ms) | "
            f"{span(o['turn_p99_ms'])} | {span(b['turn_p99_ms'])} | - |",
            f"| {at}: post to its 204, p99 (ms) | {span(o['answer_p99_ms'])} | "
            f"{span(b['answer_p99_ms'])} | - |",
            f"| {at}: server CPU per post (ms) | {span(o['cpu_ms_per_post'])} | "
            f"{span(b['cpu_ms_per_post'])} | {ratio(stage['cpu_ratio'])} |",
            f"| {at}: server CPU (% of a core) | {span(percent(o['cpu_share']))} | "
            f"{span(percent(b['cpu_share']))} | - |",
        ]
    lines += [
        f"| RSS after the posts (MB) | {span(ours['rss_after_mb'])} | "
        f"{span(bare['rss_after_mb'])} | - |",
        f"| peak RSS, VmHWM (MB) | {span(ours['rss_peak_mb'])} | {span(bare['rss_peak_mb'])} | "
        f"{ratio(w['rss_peak_ratio'])} |",
        f"| bytes an event | {w['bytes_per_event']['jourbot']:,} | "
        f"{w['bytes_per_event']['bare']:,} | - |",
    ]
    return lines


def markdown(report: Mapping[str, Any]) -> str:
    results = report["results"]
    found = targets(results)
    rounds = report["rounds"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {report['date']} on {report['machine']}, with `{report['command']}` "
        f"({report['total_seconds']:.0f} s in all: "
        + ", ".join(f"{part} {s:.0f} s" for part, s in results["seconds"].items())
        + ").",
        "",
        f"Every cell is min / median / max over {rounds} rounds. Each round runs every side of "
        "a comparison (every size of the history) one after the other, in the opposite order "
        "the next round; a ratio is taken within a round, then spread the same way (median in "
        'bold). Targets are judged on the median, a "never" on the worst round. What each '
        "row measures: README.md, Benchmarks.",
        "",
        "## Targets",
        "",
        "| part | target | judged on | met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t.part} | {t.what} | {t.judged} | {mark(t.met)} |" for t in found]
    missed = [t for t in found if not t.met]
    lines += ["", "**Missed:** " + ("; ".join(f"{t.what} ({t.judged})" for t in missed) + "."
                                   if missed else "none.")]  # fmt: skip
    for part, table in (
        ("telegram", telegram_table), ("delivery", delivery_table), ("sms", sms_table),
        ("history", history_table), ("trips", trips_table), ("webchat", webchat_table),
    ):  # fmt: skip
        if part in results:
            lines += ["", *table(results[part])]
    return "\n".join(lines) + "\n"
