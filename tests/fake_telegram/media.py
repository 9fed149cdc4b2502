"""Bot API objects for media kinds (PhotoSize list, Document, Voice, ...)."""

from __future__ import annotations

from typing import Any

from tests.fake_telegram.state import JSONDict, StoredFile

# Kinds a message can carry as a file, with the send method that makes them.
FILE_KINDS = {
    "photo": "sendPhoto",
    "document": "sendDocument",
    "voice": "sendVoice",
    "audio": "sendAudio",
    "video": "sendVideo",
    "animation": "sendAnimation",
    "sticker": "sendSticker",
    "video_note": "sendVideoNote",
}
# Kinds that may stand in for each other when a file_id is reused.
_COMPATIBLE = {frozenset({"document", "animation"})}


def compatible(file_kind: str, wanted: str) -> bool:
    """Return True when a file of file_kind may be sent as wanted."""
    return file_kind == wanted or frozenset({file_kind, wanted}) in _COMPATIBLE


def media_object(
    kind: str, stored: StoredFile, params: dict[str, Any]
) -> JSONDict | list[JSONDict]:
    """Build the Bot API object for a file of kind, using optional send parameters."""
    base: JSONDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if kind == "photo":
        small = {**base, "file_id": f"{stored.file_id}s", "width": 90, "height": 67}
        small["file_size"] = min(stored.size, 1024)
        return [small, {**base, "width": 800, "height": 600}]
    if kind == "sticker":
        return {
            **base,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": params.get("emoji", "👍"),
        }
    data = dict(base)
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    if kind in ("document", "audio", "animation", "video") and stored.file_name:
        data["file_name"] = stored.file_name
    if kind in ("voice", "audio", "video", "animation", "video_note"):
        data["duration"] = int(params.get("duration", 3))
    if kind in ("video", "animation"):
        data["width"] = int(params.get("width", 640))
        data["height"] = int(params.get("height", 360))
    if kind == "video_note":
        data["length"] = int(params.get("length", 240))
        data.pop("mime_type", None)
    if kind == "audio":
        for key in ("performer", "title"):
            if key in params:
                data[key] = params[key]
    return data
