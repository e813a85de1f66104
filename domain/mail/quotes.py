"""A reply's text split into what the sender wrote now and the history their mail client
quoted with it. Pure (stdlib only, no IO).

Conservative, because the stored message is what agents read and a lost answer is worse
than a repeated quote:

- A cut is made only at a marker a mail client writes: an attribution line ("On … wrote:",
  "Am … schrieb …:", "Le … a écrit :", "El … escribió:", …) carrying a date (a year, a time
  or a numeric date; a bare number is prose: "On step 2 the installer writes:") or an
  address, an Outlook header block ("From:" followed by "Sent:"/"Date:" and "Subject:", in
  several languages, naming an address, answering a subject ("RE: …") or with the
  "-----Original Message-----" or "_____" line above it; labels alone may be the sender's
  own form), an "-----Original Message-----"
  line, a block of two or more ">" lines, or a signature separator ("-- "). Text above the
  first marker is never cut.
- A single ">" line inside the text (a "> 5 items") is not a quote: it takes two ">" lines
  in a row, or an attribution above them.
- Top-posting (the answer above the quote) keeps the text above the quote. Bottom-posting
  (the quote first, marked with ">", the answer below it) keeps the text below. Interleaved
  answers (text between quoted lines), or text both above and below a ">" quote, keep the
  whole text: no part of it can be dropped without losing an answer.
- Below a forward marker ("---------- Forwarded message ---------", "Begin forwarded
  message:", an Outlook header block whose subject is "Fw:"), nothing is cut: what someone
  forwards is content, not history.
- If nothing would be left, nothing is cut.

Bounded work: one pass over the lines, and every pattern runs on a line cut to LINE_SCAN
characters (markers are short lines) or on a few such lines joined, with no nested
repetition, so a megabyte of hostile text costs a linear scan, never backtracking.
"""

import re
from dataclasses import dataclass

# Markers are short lines; a longer line is never one, and no pattern sees more than this.
LINE_SCAN = 300
# An attribution wrapped by the client (Gmail folds at 78 columns) spans at most this many
# lines and characters.
ATTRIBUTION_LINES = 3
ATTRIBUTION_MAX = 400
# Outlook's header block: Sent/Date and Subject follow From within this many lines (HTML
# conversion may put blank lines between them).
HEADER_LOOKAHEAD = 8
# "--" without the trailing space (HTML-derived text loses it) is a signature separator only
# above a short block that reads like one: no question, no list item, no line ending in ":"
# (a customer writes "1. open app / -- / 2. click save / Please fix?" too). "-- " exactly
# (RFC 3676) is one whatever follows.
LOOSE_SIGNATURE_LINES = 5
_NOT_SIGNATURE = re.compile(r"^\s*(?:\d+[.)]|[-*\u2022])\s|[?:]\s*$")


@dataclass(frozen=True)
class SplitReply:
    new: str  # what the sender wrote now (the whole text when nothing was cut)
    quoted: str  # what was cut, in order; "" when nothing was
    marker: str | None  # the marker the cut was made at; None: nothing was cut

    @property
    def cut(self) -> bool:
        return self.marker is not None


# --- line patterns ------------------------------------------------------------------------

_I = re.IGNORECASE
# Openers of dated attributions: On (en), Am (de), Le (fr), El (es), Il / Il giorno (it),
# Op (nl), Em (pt), Den / På (sv, da, no), W dniu / Dnia (pl), Dne (cs).
_OPENER = re.compile(r"^(?:on|am|le|el|il|op|em|den|på|w dniu|dnia|dne)\b", _I)
# A verb closing the attribution: "wrote:", "a écrit :", "escribió:", "ha scritto:",
# "escreveu:", "hat geschrieben:", "napisał(a):", "kirjoitti:", "написал:"…
_END_VERB = re.compile(
    r"(?:\bwrote|\bwrites|\ba\s+écrit|\bescribió|\bha\s+scritto|\bescreveu|\bgeschrieben"
    r"|\bgeschreven|\bnapisał|\bnapisała|\bnapsal|\bnapsala|\bkirjoitti|\bskrev|написал|написала)"
    r"\s*:$",
    _I,
)
# Verbs followed by the sender's name: "Am … schrieb Support <…>:", "Op … schreef …:",
# "Den … skrev …:". Only with an opener, since the name is free text.
_MID_VERB = re.compile(r"\b(?:schrieb|schreef|skrev)\b", _I)
_QUOTING = re.compile(r"^(?:quoting|zitat von|citando)\b", _I)
# The date a client writes into an attribution: a year, a time of day, or a numeric date.
# A bare number is not one ("On step 2 the installer writes:" is the sender's own prose).
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")

_ORIGINAL = re.compile(
    r"^-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original"
    r"|messaggio originale|oorspronkelijk bericht|mensagem original|originalmeddelande"
    r"|oprindelig meddelelse|opprinnelig melding|alkuperäinen viesti|wiadomość oryginalna)\s*-{2,}$",
    _I,
)
_FORWARD = re.compile(
    r"^(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré"
    r"|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada"
    r"|vidarebefordrat meddelande|videresendt meddelelse)\s*-{2,}"
    r"|(?:begin forwarded message|anfang der weitergeleiteten nachricht"
    r"|début du message réexpédié|inicio del mensaje reenviado)\s*:)$",
    _I,
)
_RULE = re.compile(r"^_{10,}$")  # Outlook on the web's line above its header block
# Outlook's header labels, optionally bold as "*From:*" once Gmail turned them into text.
_FROM = re.compile(r"^\*?(?:from|von|de|da|van|från|fra|od|lähettäjä)\*?\s*:", _I)
_SENT = re.compile(
    r"^\*?(?:sent|date|gesendet|datum|envoyé|enviado(?: el)?|fecha|inviato|data|verzonden"
    r"|skickat|sendt|wysłano|lähetetty)\*?\s*:",
    _I,
)
_SUBJECT = re.compile(
    r"^\*?(?:subject|betreff|objet|asunto|oggetto|onderwerp|ämne|emne|temat|aihe|assunto)\*?\s*:\s*",
    _I,
)
# Subject prefixes of a forward: Fw/Fwd (en), WG (de), TR (fr), RV (es), I (it), Doorst (nl),
# VS/VB (nordic), ENC (pt), PD (pl).
_FORWARD_SUBJECT = re.compile(r"^(?:fwd?|wg|tr|rv|i|doorst|vs|vb|enc|pd)\s*:", _I)
# Subject prefixes of a reply: Re (en), AW (de), SV (nordic), Antw (nl), R/RIF (it), RES (pt),
# ODP (pl).
_REPLY_SUBJECT = re.compile(r"^(?:re|aw|sv|antw|r|rif|res|odp)\s*:", _I)


def _head(line: str) -> str:
    return line[:LINE_SCAN].strip()


def _blank(line: str) -> bool:
    return not line[:LINE_SCAN].strip() and not line.strip()


def _quoted(line: str) -> bool:
    return line[:LINE_SCAN].lstrip().startswith(">")


def _signature(lines: list[str], index: int) -> bool:
    line = lines[index]
    if line == "-- ":
        return True
    if line.rstrip() != "--":
        return False
    below = lines[index + 1 :]
    if len(below) > LOOSE_SIGNATURE_LINES:
        return False
    return not any(_NOT_SIGNATURE.search(text[:LINE_SCAN]) for text in below)


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if not _blank(lines[index]):
            return index
    return None


# --- markers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Marker:
    start: int  # first line of the quoted history
    kind: str
    marked: bool  # the history is a ">" quote (so answers inside it can be told apart)


def _attribution(lines: list[str], index: int) -> _Marker | None:
    """An attribution ending on line `index`, perhaps wrapped over the lines above it."""
    line = lines[index]
    head = _head(line)
    if len(line.strip()) > LINE_SCAN or not head.endswith(":") or head.startswith(">"):
        return None  # a quoted attribution is part of a quote block
    after = _next_nonblank(lines, index + 1)
    marked = after is not None and _quoted(lines[after])
    if _OPENER.match(head) or _QUOTING.match(head):
        return _Marker(index, "attribution", marked) if _qualifies(head, marked=marked) else None
    # Perhaps wrapped (Gmail folds at 78 columns, so the verb, the address or just ">:" can
    # land on the last line): join back over lines that do not end a sentence, looking for
    # the opener. A joined span needs the strong signs (an opener, a verb, a date or an
    # address), since a line above may be the sender's own.
    span = head
    for start in range(index - 1, max(-1, index - ATTRIBUTION_LINES), -1):
        above = _head(lines[start])
        if not above or _quoted(lines[start]) or above[-1] in ".!?" or len(lines[start]) > LINE_SCAN:
            break
        span = f"{above} {span}"
        if len(span) > ATTRIBUTION_MAX:
            break
        if _dated(span):
            return _Marker(start, "attribution", marked)
    if _qualifies(head, marked=marked):
        return _Marker(index, "attribution", marked)
    return None


def _dated(span: str) -> bool:
    """An opener, a verb and a date (a year, a time or a numeric date) or address: "On Tue,
    3 Nov 2026 at 10:00, Support wrote:", "Am … schrieb Support <…>:". A number alone is
    prose: "On step 2 the installer writes:", "Am 3. März schrieb mir Ihr Kollege:"."""
    return (
        _OPENER.match(span) is not None
        and (_END_VERB.search(span) is not None or _MID_VERB.search(span) is not None)
        and ("@" in span or _DATE.search(span) is not None)
    )


def _qualifies(span: str, *, marked: bool) -> bool:
    """Whether one line ending in ":" is an attribution: dated, else closing with the verb
    after an address or above "> " lines; or "Quoting <address>:"."""
    if _QUOTING.match(span):
        return "@" in span  # "Quoting Support <support@desk.test>:"
    if _dated(span):
        return True
    # "Support <support@desk.test> wrote:", "Support wrote:" above "> " lines. Not the
    # mid-sentence verbs ("schrieb"): those need the dated opener.
    return _END_VERB.search(span) is not None and ("@" in span or marked)


@dataclass(frozen=True)
class _Block:
    forward: bool  # its subject is a forward's
    mail_like: bool  # a line of it holds an address, or its subject is a reply's


def _header_block(lines: list[str], index: int) -> _Block | None:
    """Outlook's header block starting at `index`, or None.

    `mail_like`: labels alone are not enough to cut at, since a sender's own text can be a
    form ("From: Hamburg / Date: 14 March / Subject: pallet 7 damaged"); a client's block
    names an address or answers a subject ("RE: …")."""
    first = _head(lines[index])
    if not _FROM.match(first):
        return None
    sent = subject = False
    forward = False
    mail_like = "@" in first
    for later in lines[index + 1 : index + 1 + HEADER_LOOKAHEAD]:
        head = _head(later)
        mail_like = mail_like or "@" in head
        if _SENT.match(head):
            sent = True
        found = _SUBJECT.match(head)
        if found:
            subject = True
            forward = _FORWARD_SUBJECT.match(head[found.end() :]) is not None
            mail_like = mail_like or _REPLY_SUBJECT.match(head[found.end() :]) is not None
        if sent and subject:
            return _Block(forward=forward, mail_like=mail_like)
    return None


def _rule_above(lines: list[str], index: int) -> int:
    """The header block's start, moved up to the separator line a client puts above it."""
    for above in range(index - 1, max(-1, index - 3), -1):
        head = _head(lines[above])
        if not head:
            continue
        if _RULE.match(head) or _ORIGINAL.match(head):
            return above
        break
    return index


def _first_marker(lines: list[str]) -> _Marker | None:
    """The first quote marker from the top, or None (also below a forward marker)."""
    for index, line in enumerate(lines):
        head = _head(line)
        if not head:
            continue
        if _FORWARD.match(head):
            return None
        if _ORIGINAL.match(head):
            after = _next_nonblank(lines, index + 1)
            if after is not None:
                block = _header_block(lines, after)
                if block is not None and block.forward:
                    return None
            return _Marker(index, "original message", False)
        block = _header_block(lines, index)
        if block is not None:
            if block.forward:
                return None
            start = _rule_above(lines, index)
            if block.mail_like or start != index:
                return _Marker(start, "outlook header", False)
        if head.endswith(":"):
            found = _attribution(lines, index)
            if found is not None:
                return found
        if _quoted(line) and index + 1 < len(lines) and _quoted(lines[index + 1]):
            return _Marker(index, "quote block", True)
    return None


# --- splitting ------------------------------------------------------------------------------


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def _without_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines above the first signature separator, and the signature (empty when there
    is none, or nothing would be left above it)."""
    for index in range(len(lines)):
        if _signature(lines, index):
            if any(not _blank(line) for line in lines[:index]):
                return lines[:index], lines[index:]
            break
    return lines, []


def split_reply(text: str) -> SplitReply:
    """`text` split into the new part and the quoted history (see the module's rules). Line
    breaks of a split text are "\\n"; an unsplit text comes back as it was."""
    whole = SplitReply(new=text, quoted="", marker=None)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    marker = _first_marker(lines)
    bottom_posted = False
    if marker is None:
        kind, new, quoted = "signature", lines, []
    else:
        kind = marker.kind
        above, below = lines[: marker.start], lines[marker.start :]
        has_above = any(not _blank(line) for line in above)
        tail = _answer_below(below) if marker.marked else []
        if tail is None:
            return whole  # answers between quoted lines
        if tail and has_above:
            return whole  # text above and below the quote: both are answers
        if tail:
            bottom_posted = True
            new, quoted = tail, lines[: len(lines) - len(tail)]
        elif has_above:
            new, quoted = above, below
        else:
            return whole  # everything looks quoted (or the quote's answer cannot be told)
    kept, signature = _without_signature(new)
    if marker is None and not signature:
        return whole
    new_text = _join(kept)
    if not new_text.strip():
        return whole
    removed = quoted + signature if bottom_posted else signature + quoted
    return SplitReply(new=new_text, quoted=_join(removed), marker=kind)


def _answer_below(below: list[str]) -> list[str] | None:
    """Below the start of a ">" quote: the unquoted lines after it ([] when the quote runs to
    the end, or only a signature follows it), or None when answers sit between quoted lines."""
    first_quoted = next((i for i, line in enumerate(below) if _quoted(line)), None)
    if first_quoted is None:
        return []
    answer_at: int | None = None
    for index in range(first_quoted, len(below)):
        line = below[index]
        if _blank(line):
            continue
        if _quoted(line):
            if answer_at is not None:
                return None  # quoted again after an answer: interleaved
            continue
        if answer_at is None:
            if _signature(below, index):
                return []  # a signature under the quote is not an answer
            answer_at = index
    return [] if answer_at is None else below[answer_at:]
