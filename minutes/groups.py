"""Group names as people type them ('flg', ' FSG ') and as they are kept ('FLG'). Pure: no I/O."""

from __future__ import annotations

import re

# A group is named by a short word such as FLG, FSG, VSG or KLG-2: letters, digits, '-' and '_', no spaces.
_GROUP = re.compile(r"[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9_-]{0,39}")


def normalise_group(text: str) -> str | None:
    """The group name as kept (upper case), or None when `text` is not a group name."""
    name = text.strip().upper()
    return name if _GROUP.fullmatch(name) else None
