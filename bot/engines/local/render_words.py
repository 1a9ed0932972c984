"""What a render tells the user, declared for the catalogues (`bot.language`): why a render cannot be made, and
notes about text that could not be shown whole. Kept apart from `render` so the ffmpeg code stays about ffmpeg."""

from __future__ import annotations

from bot.engines.base import Said
from bot.language import Text, _, _n

NO_PHOTOS = _("The timeline has no photos yet: send some photos first.")
AUDIO_GONE = _("Your audio file is no longer on this machine; send it again or choose a mood.")
NOT_RENDERED = _("The video could not be rendered; try again, or change the photos or settings.")
TITLE = _("The title")


def photo_gone(index: int, name: str) -> Text:
    return _("Photo {number} (“{name}”) is no longer on this machine; send it again.").format(
        number=index + 1, name=name)


def photo_undecodable(index: int, name: str) -> Text:
    return _("Photo {number} (“{name}”) could not be decoded; send it again.").format(number=index + 1, name=name)


def caption_of(number: int) -> Text:
    return _("The caption of photo {number}").format(number=number)


def text_notes(label: Said, *, dropped: str, truncated: bool) -> list[Said]:
    """What the user should know about a title or caption that is not shown exactly as typed."""
    notes: list[Said] = []
    if dropped:
        notes.append(_n("{label} is shown without {dropped}: the video's fonts have no character for that (emoji "
                        "and some scripts such as Arabic or Thai cannot be drawn yet).",
                        "{label} is shown without {dropped}: the video's fonts have no characters for that (emoji "
                        "and some scripts such as Arabic or Thai cannot be drawn yet).",
                        len(dropped)).format(label=label, dropped=dropped))
    if truncated:
        notes.append(_("{label} is too long for the screen even in small letters, so it was cut short with "
                       "\"…\"; shorten it to show all of it.").format(label=label))
    return notes
