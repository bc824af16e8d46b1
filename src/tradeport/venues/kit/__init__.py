"""The venue kit: the machinery every venue stands on (DESIGN.md, "The venue kit").

A venue folder supplies only what is its own — endpoints and topics in venue.yaml, a
REST dialect (signing, envelope, throttled codes, cursor), order hooks, stream
parsers and its emulator skin — and inherits the rest from here.
"""
