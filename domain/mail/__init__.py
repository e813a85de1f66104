"""Mail as data: parsing inbound messages. Pure (stdlib only, no IO)."""
