"""The signature receipt for the personnel file: one self-contained printable HTML page.

HTML rather than PDF: a PDF needs an embedded CJK font, which a fresh offline server does
not have; a browser prints the page with the system's fonts, and the pledge text stays
selectable and byte-for-byte the stored text, so its SHA-256 can be checked from the page.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from bot.i18n import Translator
from bot.reports.pledge_export import local_seconds
from bot.text import plain
from storage.models import Person, PledgeVersion, Signature

STYLE = """
@page { size: A4; margin: 18mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", SimSun, serif;
       font-size: 11pt; line-height: 1.5; color: #000; margin: 0 auto; max-width: 180mm;
       padding: 12mm 0; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; }
.subtitle { text-align: center; font-size: 13pt; margin: 0 0 6mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #000; }
table.facts { width: 100%; border-collapse: collapse; }
table.facts th, table.facts td { border: 1px solid #555; padding: 1.5mm 2mm;
       vertical-align: top; text-align: left; }
table.facts th { width: 34%; font-weight: normal; background: #f0f0f0; }
.mono { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 9.5pt;
        word-break: break-all; }
pre.text { white-space: pre-wrap; word-wrap: break-word; font-family: inherit;
           font-size: 11pt; border: 1px solid #555; padding: 4mm; margin: 0; }
.verify { font-size: 9.5pt; white-space: pre-line; }
.generated { font-size: 9pt; color: #444; text-align: right; margin-top: 6mm; }
@media print {
  body { padding: 0; max-width: none; }
  th { background: none !important; }
  h2, table.facts tr { break-inside: avoid; }
}
"""
MONO = ' class="mono"'  # hashes and ids: monospace, may break anywhere


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def receipt_facts(
    t: Translator, *, signature: Signature, text: PledgeVersion, person: Person
) -> list[tuple[str, str, bool]]:
    """The receipt's facts as (label, value, monospace): the same in the HTML and PDF."""
    facts = [
        ("receipt-signature-no", signature.signature_no, False),
        ("receipt-signer", person.name, False),
        ("receipt-employee-no", person.employee_no, False),
        ("receipt-unit", person.unit.name, False),
        ("receipt-typed-name", signature.typed_name, False),
        ("receipt-document", f"{text.title} ({text.key})", False),
        (
            "receipt-version",
            t("receipt-version-value", version=str(signature.version), locale=signature.locale),
            False,
        ),
        ("receipt-sha256", signature.document_sha256, True),
        ("receipt-signed-at", f"{local_seconds(t, signature.signed_at)} ({t.tz.key})", False),
        (
            "receipt-signed-at-utc",
            signature.signed_at.astimezone(UTC).isoformat(timespec="seconds"),
            True,
        ),
        ("receipt-channel", signature.channel, False),
        ("receipt-channel-user", signature.channel_user_id, True),
        ("receipt-message-id", signature.message_id or "-", True),
        ("receipt-audit-hash", signature.audit_hash, True),
    ]
    return [(plain(t(key)), plain(str(value or "")), mono) for key, value, mono in facts]


def render_receipt(
    t: Translator,
    *,
    signature: Signature,
    text: PledgeVersion,
    person: Person,
    generated_at: datetime,
) -> str:
    """The receipt page. The <pre> holds exactly `text.body`, HTML-escaped."""
    rows = "\n".join(
        f"<tr><th>{_e(label)}</th><td{MONO if mono else ''}>{_e(value)}</td></tr>"
        for label, value, mono in receipt_facts(t, signature=signature, text=text, person=person)
    )
    lang = "zh-CN" if t.locale == "zh_CN" else t.locale
    # No newline after <pre>: a parser drops one there, and the text must stay exact.
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{_e(t("receipt-title"))} {_e(signature.signature_no)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{_e(t("receipt-title"))}</h1>
<p class="subtitle">{_e(text.title)}</p>
<table class="facts">
{rows}
</table>
<h2>{_e(t("receipt-text-heading"))}</h2>
<pre class="text" id="signed-text">{_e(text.body)}</pre>
<h2>{_e(t("receipt-verify-heading"))}</h2>
<p class="verify">{_e(t("receipt-verify-text", number=signature.signature_no))}</p>
<p class="generated">{_e(t("receipt-generated", time=local_seconds(t, generated_at)))}</p>
</body>
</html>
"""
