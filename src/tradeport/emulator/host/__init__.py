"""The emulator host: what every venue's emulator serves alike, so that a venue skin is
its routes, pure payload builders and error codes.

- `context`: the narrow object a skin's handlers are given instead of the emulator
  (keys, server clock, fault plans, engines by market); each venue subclasses it.
- `clock`: the server clock and its skew.
- `rest`: the REST host (catch-all route, fault dispatch, the request pipeline around a
  venue's `Gateway` hooks: IP gate, route table, params / signature / limits, envelopes).
- `params`: query splitting and typed getters raising the venue's own errors.
- `limits`: rolling request windows behind the venues' rate limits.
- `streams`: the stream host (accepting sockets, the live registry stream faults reach,
  idle cut-offs, stream clocks) and per-topic `Subscribers`.
- `logins`: private stream logins (key lookup, signature check, sessions by account).
- `candles`: merged bars and the push rule of candle topics.
"""
