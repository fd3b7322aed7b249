"""Untrusted text made safe to write: no control characters, no undecodable bytes.

Names, paths, SQL, test messages and configured reasons come from files anyone can write. Written
raw, an ESC starts a terminal escape sequence (an OSC-8 hyperlink, a title change, a cleared
screen), a NUL truncates or crashes, a newline splits a one-line diagnostic. Every face passes
untrusted text through one of these before it writes it:

* :func:`clean` for report bodies: C0 and C1 control characters, DEL and lone surrogates (file
  names that are not UTF-8) become visible escapes; newlines and tabs may be kept.
* :func:`one_line` for diagnostics: as :func:`clean`, and line breaks become a visible ``\\n``
  so an error stays one line.

Example:
    >>> clean("ok\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07")
    'ok\\\\x1b]8;;http://x\\\\x07link\\\\x1b]8;;\\\\x07'
    >>> one_line("models/bad\\nname.sql")
    'models/bad\\\\nname.sql'
    >>> clean("bad\\udcff.sql")
    'bad\\\\xff.sql'
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates (undecodable file-name bytes)
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, smuggled in by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(text: object, *, keep_lines: bool = True) -> str:
    """``text`` with control characters and undecodable bytes shown as escapes.

    Args:
        text: anything; ``None`` becomes ``""``.
        keep_lines: keep newlines and tabs (report bodies); False turns them into escapes too.

    Example:
        >>> clean("a\\tb\\nc\\x00"), clean(None)
        ('a\\tb\\nc\\\\x00', '')
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    pattern = _UNSAFE_KEEP_LINES if keep_lines else _UNSAFE_ONE_LINE
    return pattern.sub(_escape, s) if pattern.search(s) else s


def one_line(text: object) -> str:
    """``text`` as one safe line (for stderr diagnostics).

    Example:
        >>> one_line("reason\\nsecond line\\x1b[2J")
        'reason\\\\nsecond line\\\\x1b[2J'
    """
    return clean(text, keep_lines=False)


def is_clean_name(name: str) -> bool:
    """True when a file name is valid UTF-8 and has no control characters.

    Example:
        >>> is_clean_name("stg_orders.sql"), is_clean_name("bad\\udcff.sql"), is_clean_name("a\\nb.sql")
        (True, False, False)
    """
    return not _UNSAFE_ONE_LINE.search(name)
