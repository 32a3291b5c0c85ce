"""One-step admin commands and action buttons, and the answer to a stale admin button.

Search, show, retire/restore (confirmed), history, revert, the review queue, feedback, audit and statistics.
Each is listed, with its help line, in the command table of `bot.admin`, which registers them.

May import what `bot.admin.common` may. Action buttons carry `adm:<action>:<entry id>[:<version>]`
(an id is at most 32 characters, so they fit Telegram's 64-byte callback_data).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

import knowledge
from bot.admin.access import Handler, admin_only
from bot.admin.access import actor as actor_of
from bot.admin.common import (
    TEXT_CANCELLED,
    TEXT_EXPIRED,
    args,
    entry_text,
    number_arg,
    reply,
    reports_errors,
    required_entry,
    required_target,
    run,
    when,
)
from bot.context import Context
from bot.handling import answer_tap, drop_keyboard

logger = logging.getLogger(__name__)

# What retiring and restoring do, for the confirmation question and the result.
STATUS_ACTIONS = {
    "retire": ("Pensiunkan", "dipensiunkan", "Asisten tidak akan lagi menjawab dengan entri ini."),
    "restore": ("Aktifkan", "aktif kembali", "Asisten akan menjawab lagi dengan entri ini."),
}


def entry_actions(entry: knowledge.Entry) -> InlineKeyboardMarkup:
    """Return the action buttons under a shown entry: ubah · riwayat · pensiunkan (or aktifkan)."""
    status_button = (
        InlineKeyboardButton("🗄 Pensiunkan", callback_data=f"adm:do:retire:{entry.id}")
        if entry.status == "active"
        else InlineKeyboardButton("♻️ Aktifkan", callback_data=f"adm:do:restore:{entry.id}")
    )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✏️ Ubah", callback_data=f"adm:do:edit:{entry.id}"),
                InlineKeyboardButton("🕘 Riwayat", callback_data=f"adm:do:history:{entry.id}"),
                status_button,
            ]
        ]
    )


@admin_only
@reports_errors
async def kb_cari_command(update: Update, context: Context) -> None:
    """Search entries on /kb_cari <words>."""
    words = " ".join(args(context)).strip()
    if not words:
        await reply(update, context, "Gunakan: /kb_cari <kata kunci>")
        return
    found: list[knowledge.Entry] = await run(context, "search", words, limit=15)
    if not found:
        await reply(update, context, f"Tidak ada entri yang memuat “{words}”.")
        return
    lines = [f"• {e.id} (v{e.version}{', pensiun' if e.status != 'active' else ''}): {e.title}" for e in found]
    await reply(update, context, f"{len(found)} entri:\n" + "\n".join(lines) + "\n\nLihat: /kb_lihat <id>")


@admin_only
@reports_errors
async def kb_lihat_command(update: Update, context: Context) -> None:
    """Show an entry with its action buttons on /kb_lihat <id>."""
    entry = await required_entry(update, context, "/kb_lihat <id>")
    if entry is None:
        return
    await reply(update, context, entry_text(entry), reply_markup=entry_actions(entry))


def _status_command(action: str) -> Handler:
    label, _, effect = STATUS_ACTIONS[action]

    @admin_only
    @reports_errors
    async def ask(update: Update, context: Context) -> None:
        entry = await required_entry(update, context, f"/kb_{'pensiun' if action == 'retire' else 'aktifkan'} <id>")
        if entry is None:
            return
        if (entry.status == "active") == (action == "restore"):
            state = "aktif" if entry.status == "active" else "sudah dipensiunkan"
            await reply(update, context, f"{entry.id} {state}; tidak ada yang diubah.")
            return
        # The confirmation carries the version it was asked about: if the entry changes before the tap,
        # the change is refused rather than applied to content the admin has not seen.
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        f"Ya, {label.lower()}", callback_data=f"adm:{action}:{entry.id}:{entry.version}"
                    ),
                    InlineKeyboardButton("Batal", callback_data="adm:no"),
                ]
            ]
        )
        await reply(
            update,
            context,
            f"{label} {entry.id} (versi {entry.version}, “{entry.title}”)? {effect}",
            reply_markup=keyboard,
        )

    ask.__doc__ = f"Ask before {'retiring' if action == 'retire' else 'restoring'} an entry (command or button)."
    return ask


kb_pensiun_command = _status_command("retire")
kb_aktifkan_command = _status_command("restore")


@admin_only
@reports_errors
async def confirm_status(update: Update, context: Context) -> None:
    """Retire or restore on the confirmation button `adm:retire|restore:<id>:<version>` (or drop it on Batal)."""
    await answer_tap(update)
    await drop_keyboard(update)
    data = update.callback_query.data if update.callback_query is not None else None
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[1] not in STATUS_ACTIONS or not parts[3].isdigit():
        await reply(update, context, TEXT_CANCELLED)
        return
    action, entry_id, version = parts[1], parts[2], int(parts[3])
    entry: knowledge.Entry = await run(context, action, entry_id, actor=actor_of(update), expected_version=version)
    logger.info("Entry %s %s by %s", entry.id, action, actor_of(update))
    after = f" Aktifkan lagi: /kb_aktifkan {entry.id}" if action == "retire" else ""
    await reply(update, context, f"{entry.id} {STATUS_ACTIONS[action][1]} (versi {entry.version}).{after}")


@admin_only
async def decline_button(update: Update, context: Context) -> None:
    """Drop a confirmation on its Batal button."""
    await answer_tap(update)
    await drop_keyboard(update)
    await reply(update, context, TEXT_CANCELLED)


@admin_only
@reports_errors
async def kb_riwayat_command(update: Update, context: Context) -> None:
    """List the versions of an entry on /kb_riwayat <id> (or its Riwayat button)."""
    entry_id = await required_target(update, context, "/kb_riwayat <id>")
    if not entry_id:
        return
    versions: list[knowledge.EntryVersionInfo] = await run(context, "history", entry_id)
    lines = [
        f"v{v.version} · {when(v.changed_at)} · {v.changed_by} · {v.action}"
        + (" · pensiun" if v.status != "active" else "")
        for v in versions
    ]
    await reply(
        update, context, f"Riwayat {entry_id}:\n" + "\n".join(lines) + "\n\nPulihkan: /kb_pulihkan <id> <versi>"
    )


@admin_only
@reports_errors
async def kb_pulihkan_command(update: Update, context: Context) -> None:
    """Bring back the content of a version on /kb_pulihkan <id> <version>."""
    given = args(context)
    if len(given) != 2 or not given[1].isdigit():
        await reply(update, context, "Gunakan: /kb_pulihkan <id> <versi>, mis. /kb_pulihkan kipp-apa 2")
        return
    entry, changed = await run(context, "revert", given[0], int(given[1]), actor=actor_of(update))
    if not changed:
        await reply(update, context, f"{entry.id} sudah berisi versi {given[1]}; tidak ada yang diubah.")
        return
    note = f" Entri ini dipensiunkan; aktifkan dengan /kb_aktifkan {entry.id}." if entry.status != "active" else ""
    await reply(
        update, context, f"Isi versi {given[1]} dipulihkan sebagai versi {entry.version} dari {entry.id}.{note}"
    )


@admin_only
@reports_errors
async def kb_belum_terjawab_command(update: Update, context: Context) -> None:
    """List the review queue (unanswered, uncertain, 👎), most frequent first, on /kb_belum_terjawab [n]."""
    limit = number_arg(context, 10)
    groups: list[knowledge.UnansweredGroup] = await run(context, "review", limit=min(limit, 30))
    if not groups:
        await reply(update, context, "Antrean tinjauan kosong: tidak ada pertanyaan yang perlu ditinjau. 🎉")
        return
    lines = []
    for g in groups:
        lines.append(f"[{g.group_id}] {g.count}× “{g.example}”")
        lines.append(f"      {g.kinds()}" + (f" · entri: {', '.join(g.entry_ids[:2])}" if g.entry_ids else ""))
        lines.extend(f"      juga: “{t}”" for t in g.texts[1:3])
        lines.extend(f"      👎 “{c}”" for c in g.comments[:2])
    await reply(
        update,
        context,
        "Antrean tinjauan (terbanyak dulu):\n"
        + "\n".join(lines)
        + "\n\nJadikan frasa entri: /kb_frasa <grup> <id_entri>\nJadikan entri baru: /kb_tambah <grup>"
        + "\nAbaikan: /kb_abaikan <grup> <alasan>",
    )


@admin_only
@reports_errors
async def kb_frasa_command(update: Update, context: Context) -> None:
    """Add a review group's question to an entry on /kb_frasa <group> <entry_id>."""
    given = args(context)
    if len(given) != 2:
        await reply(update, context, "Gunakan: /kb_frasa <grup> <id_entri> (grup dari /kb_belum_terjawab)")
        return
    entry, changed = await run(context, "promote_to_phrasing", given[0], given[1], actor=actor_of(update))
    state = f"disimpan sebagai versi {entry.version}" if changed else "sudah memuat frasa itu"
    await reply(update, context, f"{entry.id} {state}; grup {given[0]} selesai.")


@admin_only
@reports_errors
async def kb_abaikan_command(update: Update, context: Context) -> None:
    """Dismiss a review group for good, with a reason, on /kb_abaikan <group> <reason>."""
    given = args(context)
    if len(given) < 2:
        await reply(update, context, "Gunakan: /kb_abaikan <grup> <alasan>, mis. /kb_abaikan 1a2b3c4d di luar cakupan")
        return
    group: knowledge.UnansweredGroup = await run(
        context, "dismiss", given[0], " ".join(given[1:]), actor=actor_of(update)
    )
    await reply(update, context, f"Grup [{group.group_id}] “{group.example}” diabaikan untuk seterusnya.")


@admin_only
@reports_errors
async def kb_masukan_command(update: Update, context: Context) -> None:
    """List the latest 👎 with question, entry, version and comment on /kb_masukan [days]."""
    days = number_arg(context, 30)
    since = datetime.now(timezone.utc) - timedelta(days=min(max(days, 1), 366))
    rows: list[knowledge.FeedbackRecord] = await run(context, "feedback", since=since, limit=15)
    if not rows:
        await reply(update, context, f"Tidak ada 👎 dalam {days} hari terakhir.")
        return
    lines = [
        f"{when(r.at)} · {r.entry_id} v{r.entry_version}\n  T: {r.question or '-'}\n"
        f"  👎 {r.comment or '(tanpa komentar)'}"
        for r in rows
    ]
    await reply(update, context, f"👎 terbaru ({days} hari):\n" + "\n".join(lines))


@admin_only
@reports_errors
async def kb_audit_command(update: Update, context: Context) -> None:
    """List the latest changes by anyone, newest first, on /kb_audit [entry id]."""
    given = args(context)
    rows: list[knowledge.AuditRecord] = await run(context, "audit", entry_id=given[0] if given else None, limit=15)
    if not rows:
        await reply(update, context, "Belum ada perubahan tercatat.")
        return
    lines = []
    for r in rows:
        target = f"{r.entry_id} v{r.version}" if r.entry_id and r.version else (r.entry_id or "")
        detail = r.note or (", ".join(r.changed) if r.changed else "")
        lines.append(" · ".join(part for part in (when(r.at), r.actor, r.action, target, detail) if part))
    await reply(update, context, "Perubahan terbaru:\n" + "\n".join(lines))


@admin_only
@reports_errors
async def kb_statistik_command(update: Update, context: Context) -> None:
    """Send the statistics as text and a PNG chart on /kb_statistik [days]."""
    days = number_arg(context, 30)
    stats: knowledge.Stats = await run(context, "stats", days=min(max(days, 1), 366))
    png = await asyncio.to_thread(knowledge.stats_chart_png, stats)
    await reply(update, context, knowledge.stats_text(stats))
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_photo(chat.id, photo=png, caption=f"Statistik {days} hari terakhir")


async def on_stale_button(update: Update, context: Context) -> None:
    """Answer a tap on an admin button no live dialogue takes: "kedaluwarsa", and nothing else happens."""
    query = update.callback_query
    user = update.effective_user
    logger.info("Stale admin button %r from user %s", query.data if query else None, user.id if user else None)
    await answer_tap(update, TEXT_EXPIRED)
    await drop_keyboard(update)
