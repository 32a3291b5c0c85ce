"""Telegram admin UI of the knowledge base, for the users listed in ADMIN_TELEGRAM_IDS.

May import: `settings`, `telegram`, the bot's own `context`, `handling` and `store`, and the public API of
`knowledge` (never its models or database modules). The package, in reading order:

- `access`: who is an admin (`admin_only` guards every command and action button; others are refused).
- `common`: replies, database calls (through `bot.store`), error reporting, arguments and texts.
- `commands`: the one-step commands and their action buttons.
- `dialogue`, `guided_add`, `guided_edit`: the guided add (/kb_tambah) and edit (/kb_ubah) dialogues.
- here: `COMMANDS`, the table of every admin command with its help line (the help is this data, never
  docstrings), and `register_admin_handlers`, which registers the table, the dialogues and the buttons.

Everything runs in handler group -1, before the bot's own handlers, and stops the updates it takes; an
admin button (`adm:...`) that nothing takes any more is answered "kedaluwarsa" and never reaches the assistant.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.admin.access import TEXT_REFUSED, Handler, admin_only, is_admin
from bot.admin.commands import (
    confirm_status,
    decline_button,
    kb_abaikan_command,
    kb_aktifkan_command,
    kb_audit_command,
    kb_belum_terjawab_command,
    kb_cari_command,
    kb_frasa_command,
    kb_lihat_command,
    kb_masukan_command,
    kb_pensiun_command,
    kb_pulihkan_command,
    kb_riwayat_command,
    kb_statistik_command,
    on_stale_button,
)
from bot.admin.common import BUTTON_PREFIX, HANDLER_GROUP, TEXT_CANCELLED, TEXT_EXPIRED, reply_html
from bot.admin.dialogue import cancel_command
from bot.admin.guided_add import (
    ADD_ANSWER,
    ADD_CONFIRM,
    ADD_ID,
    ADD_QUESTIONS,
    ADD_SOURCES,
    ADD_TITLE,
    ADD_TOPIC,
    add_answer,
    add_confirm,
    add_conversation,
    add_id,
    add_questions,
    add_sources,
    add_title,
    add_topic,
    kb_tambah_command,
)
from bot.admin.guided_edit import (
    EDIT_CONFIRM,
    EDIT_FIELD,
    EDIT_VALUE,
    edit_confirm,
    edit_conversation,
    edit_field,
    edit_value,
    kb_ubah_command,
)
from bot.context import Context
from bot.handling import stopping

__all__ = [
    "ADD_ANSWER",
    "ADD_CONFIRM",
    "ADD_ID",
    "ADD_QUESTIONS",
    "ADD_SOURCES",
    "ADD_TITLE",
    "ADD_TOPIC",
    "BUTTON_ACTIONS",
    "COMMANDS",
    "EDIT_CONFIRM",
    "EDIT_FIELD",
    "EDIT_VALUE",
    "GUIDED_COMMANDS",
    "HELP_LINES",
    "ONE_STEP_COMMANDS",
    "TEXT_CANCELLED",
    "TEXT_EXPIRED",
    "TEXT_REFUSED",
    "AdminCommand",
    "add_answer",
    "add_confirm",
    "add_id",
    "add_questions",
    "add_sources",
    "add_title",
    "add_topic",
    "build_conversations",
    "cancel_command",
    "confirm_status",
    "decline_button",
    "edit_confirm",
    "edit_field",
    "edit_value",
    "help_html",
    "is_admin",
    "kb_abaikan_command",
    "kb_admin_command",
    "kb_aktifkan_command",
    "kb_audit_command",
    "kb_belum_terjawab_command",
    "kb_cari_command",
    "kb_frasa_command",
    "kb_lihat_command",
    "kb_masukan_command",
    "kb_pensiun_command",
    "kb_pulihkan_command",
    "kb_riwayat_command",
    "kb_statistik_command",
    "kb_tambah_command",
    "kb_ubah_command",
    "on_stale_button",
    "register_admin_handlers",
    "stopping",
]


@dataclass(frozen=True)
class AdminCommand:
    """One admin command: its name, its arguments and what it does (the help line), and its handler."""

    name: str
    arguments: str
    what: str
    handler: Handler
    # A guided command starts a dialogue: it is registered as the entry point of its conversation.
    guided: bool = False

    @property
    def usage(self) -> str:
        """Return the command as the help shows it: `/name <arguments>`."""
        return f"/{self.name} {self.arguments}".rstrip()


@admin_only
async def kb_admin_command(update: Update, context: Context) -> None:
    """List the admin commands on /kb_admin."""
    await reply_html(update, context, help_html())


# Every admin command, in the order the help lists them. The help is this data (translated and aligned on
# purpose), so it works under `python -OO`, which strips docstrings.
COMMANDS: tuple[AdminCommand, ...] = (
    AdminCommand("kb_admin", "", "daftar perintah ini", kb_admin_command),
    AdminCommand("kb_cari", "<kata>", "cari entri", kb_cari_command),
    AdminCommand("kb_lihat", "<id>", "lihat entri (dengan tombol aksi)", kb_lihat_command),
    AdminCommand("kb_tambah", "[grup]", "tambah entri langkah demi langkah", kb_tambah_command, guided=True),
    AdminCommand(
        "kb_ubah", "<id>", "ubah satu bagian entri, atau tambah/hapus satu frasa", kb_ubah_command, guided=True
    ),
    AdminCommand("kb_pensiun", "<id>", "pensiunkan entri (dengan konfirmasi)", kb_pensiun_command),
    AdminCommand("kb_aktifkan", "<id>", "aktifkan lagi entri (dengan konfirmasi)", kb_aktifkan_command),
    AdminCommand("kb_riwayat", "<id>", "versi-versi entri", kb_riwayat_command),
    AdminCommand("kb_pulihkan", "<id> <versi>", "pulihkan isi versi lama sebagai versi baru", kb_pulihkan_command),
    AdminCommand("kb_belum_terjawab", "[n]", "antrean tinjauan: belum terjawab, ragu, 👎", kb_belum_terjawab_command),
    AdminCommand("kb_frasa", "<grup> <id>", "jadikan pertanyaan grup frasa entri", kb_frasa_command),
    AdminCommand("kb_abaikan", "<grup> <alasan>", "abaikan grup untuk seterusnya", kb_abaikan_command),
    AdminCommand("kb_masukan", "[hari]", "komentar 👎 terbaru", kb_masukan_command),
    AdminCommand("kb_audit", "[id]", "perubahan terbaru oleh siapa pun", kb_audit_command),
    AdminCommand("kb_statistik", "[hari]", "statistik dan grafik", kb_statistik_command),
)
# The /kb_admin help: every command, then how to leave a dialogue.
HELP_LINES: tuple[tuple[str, str], ...] = (
    *((command.usage, command.what) for command in COMMANDS),
    ("/batal atau batal", "hentikan tambah/ubah entri"),
)
ONE_STEP_COMMANDS: dict[str, Handler] = {c.name: c.handler for c in COMMANDS if not c.guided}
GUIDED_COMMANDS: dict[str, Handler] = {c.name: c.handler for c in COMMANDS if c.guided}
# Action buttons (under /kb_lihat and the confirmations) and what they run; `adm:do:edit:` starts the edit
# dialogue, so it is an entry point of that conversation instead.
BUTTON_ACTIONS: dict[str, Handler] = {
    r"^adm:do:history:": kb_riwayat_command,
    r"^adm:do:retire:": kb_pensiun_command,
    r"^adm:do:restore:": kb_aktifkan_command,
    r"^adm:(retire|restore):": confirm_status,
    r"^adm:no$": decline_button,
}


def help_html() -> str:
    """Return the admin help as HTML: a monospaced block, so the descriptions line up."""
    width = max(len(command) for command, _ in HELP_LINES)
    rows = "\n".join(f"{command:<{width}}  {what}" for command, what in HELP_LINES)
    return f"<b>Perintah pengelola basis pengetahuan</b>\n<pre>{html.escape(rows)}</pre>"


def build_conversations(*, persistent: bool = False) -> list[ConversationHandler[Any]]:
    """Return the guided add and edit dialogues (per user and chat; "batal" leaves them)."""
    return [add_conversation(persistent=persistent), edit_conversation(persistent=persistent)]


def register_admin_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the admin dialogues, commands and buttons in handler group -1, before the bot's own handlers.

    Within the group the first handler that accepts an update takes it: the dialogues first (their buttons
    count only in the right step), then the commands and action buttons, and last the catch-all for stale
    admin buttons.
    """
    for conversation in build_conversations(persistent=application.persistence is not None):
        application.add_handler(conversation, HANDLER_GROUP)
    for name, callback in ONE_STEP_COMMANDS.items():
        application.add_handler(CommandHandler(name, stopping(callback)), HANDLER_GROUP)
    for pattern, callback in BUTTON_ACTIONS.items():
        application.add_handler(CallbackQueryHandler(stopping(callback), pattern=pattern), HANDLER_GROUP)
    application.add_handler(CallbackQueryHandler(stopping(on_stale_button), pattern=f"^{BUTTON_PREFIX}"), HANDLER_GROUP)
