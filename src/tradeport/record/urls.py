"""Options of ours carried in a server URL (`?schema=`, `?stream=`): taken out before
the URL reaches its client library, which would refuse a parameter it does not know."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tradeport.model.errors import BadParameter


def take_params(url: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """(`url` without the query parameters `names`, their values). A name given twice
    is a BadParameter."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    taken: dict[str, str] = {}
    for key, value in query:
        if key in names:
            if key in taken:
                raise BadParameter(f"{parts.scheme}://{parts.hostname}: {key} given twice")
            taken[key] = value
    rest = urlencode([(k, v) for k, v in query if k not in names])
    return urlunsplit(parts._replace(query=rest)), taken
