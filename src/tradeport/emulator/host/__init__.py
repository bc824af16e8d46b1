"""The emulator host: what every venue's emulator serves alike, so that a venue skin is
its routes, pure payload builders and error codes.

- `context`: the narrow object a skin's handlers are given instead of the emulator.
- `rest`: the REST host (route table, fault dispatch, the request pipeline around a
  venue's gateway hooks, error envelopes).
- `params`: request parameters and their typed getters raising the venue's own errors.
- `limits`: rolling request windows behind the venues' rate limits.
- `streams`: the stream host (accepting sockets, the live registry faults reach, idle
  cut-offs, stream clocks) and per-connection topic subscriptions.
"""
