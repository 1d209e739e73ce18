"""Pieces of plain-words messages about a file a learner gave us: whatever the file holds is
quoted back escaped and shortened, lists stay short, sizes read as people say them."""

SHOWN_ITEMS = 5   # items a message lists before "and N more"
SHOWN_CHARS = 40  # longest piece of a file quoted back in a message


def shorten(text, most=SHOWN_CHARS):
    """A piece of the file as a message may show it: control and invisible characters escaped,
    at most `most` characters."""
    text = str(text)
    text = text if text.isprintable() else repr(text)[1:-1]
    return text if len(text) <= most else text[:most - 1] + "…"


def quote(text):
    """A piece of the file quoted back in a message: escaped, shortened, never interpreted."""
    return f"'{shorten(text)}'"


def listing(items, separator=", "):
    """At most SHOWN_ITEMS of `items` joined, then "and N more": a message stays short."""
    items = list(items)
    shown = separator.join(items[:SHOWN_ITEMS])
    return shown + (f" and {len(items) - SHOWN_ITEMS} more" if len(items) > SHOWN_ITEMS else "")


def size_text(n):
    """A byte count for people: 1.1 GB, 8.4 MB, 900 bytes."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"
